using System.Text;
using Markdig.Syntax.Inlines;

namespace BatchNormAxis.DocsSite;

/// <summary>The plain text of Markdown inlines (literals and code spans), for titles and sidebar labels.</summary>
internal static class MarkdownText
{
    public static string Plain(ContainerInline? container)
    {
        StringBuilder text = new();
        if (container is not null)
        {
            foreach (Inline inline in container.FindDescendants<Inline>())
            {
                switch (inline)
                {
                    case LiteralInline literal:
                        text.Append(literal.Content.ToString());
                        break;
                    case CodeInline code:
                        text.Append(code.Content);
                        break;
                }
            }
        }

        return text.ToString().Trim();
    }
}
