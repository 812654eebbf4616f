using System.Net;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;

namespace BatchNormAxis.DocsSite;

/// <summary>
/// Renders code blocks: an <c>axis-diagram</c> block becomes a figure with its SVG, any other fenced block a
/// highlighted <c>&lt;pre&gt;&lt;code&gt;</c> (see <see cref="SyntaxHighlighter"/>).
/// </summary>
internal sealed class CodeBlockHtmlRenderer(IReadOnlyDictionary<FencedCodeBlock, DiagramFigure> diagrams) : HtmlObjectRenderer<CodeBlock>
{
    protected override void Write(HtmlRenderer renderer, CodeBlock obj)
    {
        if (obj is FencedCodeBlock fenced && diagrams.TryGetValue(fenced, out DiagramFigure? figure))
        {
            renderer.EnsureLine();
            renderer.Write("<figure class=\"axis-diagram\"><img src=\"").Write(WebUtility.HtmlEncode(figure.RelativePath))
                .Write("\" alt=\"").Write(WebUtility.HtmlEncode(figure.AltText)).Write("\">");
            if (figure.Caption is not null)
            {
                renderer.Write("<figcaption>").Write(WebUtility.HtmlEncode(figure.Caption)).Write("</figcaption>");
            }

            renderer.WriteLine("</figure>");
            return;
        }

        string language = (obj as FencedCodeBlock)?.Info?.Trim() ?? "";
        string code = obj.Lines.ToString();
        renderer.EnsureLine();
        renderer.Write("<pre class=\"code\"><code");
        if (language.Length > 0)
        {
            renderer.Write(" class=\"language-").Write(WebUtility.HtmlEncode(language)).Write("\"");
        }

        renderer.Write(">").Write(SyntaxHighlighter.Highlight(code, language)).WriteLine("</code></pre>");
    }
}
