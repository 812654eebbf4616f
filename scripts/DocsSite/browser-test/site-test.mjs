// Browser test of the built documentation site (build it first: dotnet run --project scripts/DocsSite).
// Opens every page listed in docs/SUMMARY.md (and any other page of the site) from the file system in Debian's
// Chromium (never a downloaded browser) and fails on a listed page missing from the site, a broken local link or
// anchor, an image that does not load, a console error or a page error, a sidebar whose groups and pages differ from
// SUMMARY.md, or a sidebar whose background stops short of the page's bottom; drives the axis explorer with every
// vector of assets/axis-test-vectors.json; saves a full-page screenshot of each page.
//
//   node site-test.mjs [--site artifacts/site] [--summary docs/SUMMARY.md] [--screenshots artifacts/site-screenshots]
//                      [--chromium /usr/bin/chromium]
//
// Exit codes: 0 all good, 1 problems found (one line each, then a summary), 2 invalid arguments or no site.
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { chromium } from "playwright-core";

const started = Date.now();
const options = parseArguments(process.argv.slice(2), {
  "--site": "artifacts/site",
  "--summary": path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "SUMMARY.md"),
  "--screenshots": "artifacts/site-screenshots",
  "--chromium": "/usr/bin/chromium",
});
const site = path.resolve(options["--site"]);
const screenshots = path.resolve(options["--screenshots"]);
if (!existsSync(path.join(site, "index.html")) || !existsSync(path.join(site, ".docs-site-output"))) {
  usageError(`--site '${options["--site"]}' holds no built site (no index.html and .docs-site-output): run dotnet run --project scripts/DocsSite first`);
}
if (!existsSync(options["--chromium"])) {
  usageError(`--chromium '${options["--chromium"]}' does not exist: install Debian's chromium (apt-get install chromium)`);
}

if (!existsSync(options["--summary"])) {
  usageError(`--summary '${options["--summary"]}' does not exist: expected the docs/SUMMARY.md the site was built from`);
}

const problems = [];
const summary = readSummary(options["--summary"]);
const listed = summary.filter((entry) => entry.page).map((entry) => entry.page.replace(/\.md$/, ".html"));
listed.filter((name) => !existsSync(path.join(site, name))).forEach((name) => problems.push(`${name}: listed in SUMMARY.md, not in the site`));
const others = readdirSync(site).filter((name) => name.endsWith(".html") && !listed.includes(name)).sort();
const pages = [...listed.filter((name) => existsSync(path.join(site, name))), ...others];
const vectors = JSON.parse(readFileSync(path.join(site, "assets", "axis-test-vectors.json"), "utf8")).vectors;
mkdirSync(screenshots, { recursive: true });

// The flags this machine needs: no GPU, no sandbox as root, and no background connections to a closed network.
const browser = await chromium.launch({
  executablePath: options["--chromium"],
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});

const idsByPage = new Map();
const links = [];
let imageCount = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  for (const name of pages) {
    const page = await context.newPage();
    const report = (message) => problems.push(`${name}: ${message}`);
    page.on("console", (message) => {
      if (message.type() === "error") {
        report(`console error: ${message.text()}`);
      }
    });
    page.on("pageerror", (error) => report(`page error: ${error.message}`));
    page.on("requestfailed", (request) => report(`request failed: ${request.url()} (${request.failure()?.errorText})`));

    await page.goto(pathToFileURL(path.join(site, name)).href, { waitUntil: "load" });
    const found = await page.evaluate(() => ({
      ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
      links: [...document.querySelectorAll("a[href]")].map((a) => ({ href: a.href, text: a.getAttribute("href") })),
      images: [...document.images].map((img) => ({ src: img.getAttribute("src"), ok: img.complete && img.naturalWidth > 0 })),
    }));
    idsByPage.set(path.join(site, name), new Set(found.ids));
    links.push(...found.links.map((link) => ({ ...link, from: name })));
    imageCount += found.images.length;
    found.images.filter((img) => !img.ok).forEach((img) => report(`image does not load: ${img.src}`));

    await checkSidebar(page, report);

    if (name === "explorer.html") {
      await checkExplorer(page, report);
      await page.reload({ waitUntil: "load" }); // screenshot the page as a reader first sees it, not the last vector
    }

    await page.screenshot({ path: path.join(screenshots, name.replace(/\.html$/, ".png")), fullPage: true });
    await page.close();
  }
} finally {
  await browser.close();
}

checkLinks();
const unique = [...new Set(problems)]; // the sidebar repeats a broken link on every page: say it once per page
const seconds = ((Date.now() - started) / 1000).toFixed(1);
unique.forEach((problem) => console.error(`error: ${problem}`));
console.log(`${pages.length} pages (${listed.length} listed in SUMMARY.md, sidebar and its height checked on each), ${links.length} links, ${imageCount} images, ${vectors.length} explorer vectors checked in ${seconds} s; `
  + `${unique.length} problem(s); screenshots in ${path.relative(process.cwd(), screenshots) || "."}`);
process.exit(unique.length === 0 ? 0 : 1);

// The sidebar shows SUMMARY.md's groups, each holding its pages in order, and its background runs from the top of
// the page to the bottom: scrolled to the end, the sidebar still covers the bottom-left corner.
async function checkSidebar(page, report) {
  const shown = await page.evaluate(() => {
    const nav = document.querySelector("nav.sidebar");
    if (!nav) {
      return null;
    }

    const entries = [];
    const walk = (list, depth) => {
      for (const item of list.querySelectorAll(":scope > li")) {
        const link = item.querySelector(":scope > a");
        const label = item.querySelector(":scope > .nav-group-label");
        entries.push({ depth, title: (link ?? label)?.textContent ?? "", page: link?.getAttribute("href") ?? null });
        const nested = item.querySelector(":scope > ul");
        if (nested) {
          walk(nested, depth + 1);
        }
      }
    };
    walk(nav.querySelector(".sidebar-scroll > ul"), 0);

    window.scrollTo(0, document.documentElement.scrollHeight);
    const box = nav.getBoundingClientRect();
    const corner = document.elementFromPoint(2, window.innerHeight - 2);
    const bottomOfPage = window.scrollY + window.innerHeight;
    const result = {
      entries,
      background: getComputedStyle(nav).backgroundColor,
      bodyBackground: getComputedStyle(document.body).backgroundColor,
      pageHeight: document.documentElement.scrollHeight,
      sidebarTop: box.top + window.scrollY,
      sidebarBottom: box.bottom + window.scrollY,
      bottomOfPage,
      cornerInSidebar: corner !== null && nav.contains(corner),
    };
    window.scrollTo(0, 0);
    return result;
  });
  if (shown === null) {
    report("no sidebar (nav.sidebar)");
    return;
  }

  const expected = summary.map((entry) => ({ depth: entry.depth, title: entry.title, page: entry.page?.replace(/\.md$/, ".html") ?? null }));
  const listedPart = shown.entries.slice(0, expected.length); // pages missing from SUMMARY.md are appended after it
  if (!isDeepStrictEqual(listedPart, expected)) {
    const first = expected.findIndex((entry, i) => !isDeepStrictEqual(listedPart[i], entry));
    report(`sidebar entry ${first + 1}: expected ${JSON.stringify(expected[first])} as in SUMMARY.md, shown ${JSON.stringify(listedPart[first] ?? null)}`);
  }

  if (shown.background === shown.bodyBackground || shown.background === "rgba(0, 0, 0, 0)") {
    report(`sidebar background ${shown.background} is not set apart from the page's ${shown.bodyBackground}`);
  }
  if (shown.sidebarTop > 0.5 || shown.sidebarBottom < shown.pageHeight - 0.5 || !shown.cornerInSidebar) {
    report(`sidebar runs from ${shown.sidebarTop} to ${shown.sidebarBottom} px of a ${shown.pageHeight} px page: expected the full height, `
      + `covering the bottom-left corner at ${shown.bottomOfPage} px (${shown.cornerInSidebar ? "covered" : "not covered"})`);
  }
}

// SUMMARY.md as the sidebar shows it: "- [Title](page.md)" links and "- Label" group labels, nested by indentation,
// code spans shown as their text.
function readSummary(file) {
  const entries = [];
  const indents = []; // the indentation of each open level
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const item = /^( *)[-*+] +(.*?)\s*$/.exec(line);
    if (!item) {
      continue;
    }
    while (indents.length > 0 && indents.at(-1) >= item[1].length) {
      indents.pop();
    }
    indents.push(item[1].length);
    const link = /^\[(.*)\]\(([^)#\s]+)(#[^)]*)?\)$/.exec(item[2]);
    entries.push({
      depth: indents.length - 1,
      title: (link ? link[1] : item[2]).replaceAll("`", ""),
      page: link ? link[2].replace(/^\.\//, "") : null,
    });
  }
  if (entries.length === 0) {
    usageError(`--summary '${file}' lists no pages: expected a Markdown list of links`);
  }
  return entries;
}

// Every local link must reach a file; a link to a page of the site with a fragment must reach an element with that id.
function checkLinks() {
  for (const link of links) {
    const url = new URL(link.href);
    if (url.protocol !== "file:") {
      continue; // http(s) and mailto: not checkable offline
    }

    const target = fileURLToPath(url);
    if (!existsSync(target)) {
      problems.push(`${link.from}: broken link '${link.text}': ${target} does not exist`);
      continue;
    }

    const fragment = decodeURIComponent(url.hash.slice(1));
    const ids = idsByPage.get(target);
    if (fragment && ids && !ids.has(fragment)) {
      problems.push(`${link.from}: broken link '${link.text}': no element with id '${fragment}' in ${path.basename(target)}`);
    }
  }
}

// Types each vector's shape and axis into the explorer and compares what it shows with what bnaxis explain answered.
async function checkExplorer(page, report) {
  await page.fill("#explorer-names", "");
  for (const [index, vector] of vectors.entries()) {
    await page.fill("#explorer-shape", vector.shape);
    await page.fill("#explorer-axis", vector.axis);
    const shown = await page.evaluate(() => ({
      error: document.getElementById("explorer-error")?.textContent ?? null,
      fields: Object.fromEntries([...document.querySelectorAll("[data-field]")].map((e) => [e.dataset.field, JSON.parse(e.dataset.value)])),
      code: document.getElementById("explorer-code")?.textContent.split("\n") ?? null,
    }));
    const label = `explorer vector ${index} (shape '${vector.shape}', axis '${vector.axis}')`;
    if ("error" in vector) {
      if (shown.error !== vector.error) {
        report(`${label}: expected the error "${vector.error}", shown ${shown.error === null ? "no error" : `"${shown.error}"`}`);
      }
      continue;
    }

    if (shown.error !== null) {
      report(`${label}: expected a result, shown the error "${shown.error}"`);
      continue;
    }

    for (const [key, expected] of Object.entries(vector.expected)) {
      if (!isDeepStrictEqual(shown.fields[key], expected)) {
        report(`${label}: ${key} expected ${JSON.stringify(expected)}, shown ${JSON.stringify(shown.fields[key])}`);
      }
    }

    if (!isDeepStrictEqual(shown.code, vector.code)) {
      report(`${label}: code lines expected ${JSON.stringify(vector.code)}, shown ${JSON.stringify(shown.code)}`);
    }
  }
}

function parseArguments(args, defaults) {
  const result = { ...defaults };
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i].split(/=(.*)/s, 2);
    if (!(name in defaults)) {
      usageError(`unknown argument '${args[i]}': expected ${Object.keys(defaults).join(", ")} (each with a value)`);
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === "") {
      usageError(`${name} needs a value`);
    }
    result[name] = value;
  }
  return result;
}

function usageError(message) {
  console.error(`site-test: ${message}`);
  process.exit(2);
}
