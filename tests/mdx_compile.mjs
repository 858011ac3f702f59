// Compile docusaurus-layout digests with the real MDX 3 compiler, as Docusaurus 3 does.
//
// Usage: node tests/mdx_compile.mjs FILE...
// Prints one JSON object: {"FILE": {"ok": true, "html": "..."} | {"ok": false, "error": "..."}}.
//
// The remark plugins are the ones @docusaurus/mdx-loader adds for every .md/.mdx file in its
// default `format: 'mdx'`: front matter, directives (admonitions), GFM and HTML comments
// (`<!-- truncate -->`, via @slorber/remark-comment). A file that compiles is also evaluated
// and rendered with react-dom/server, so tests can check the text readers will see.
import {readFile} from 'node:fs/promises';
import {compile, run} from '@mdx-js/mdx';
import remarkComment from '@slorber/remark-comment';
import remarkDirective from 'remark-directive';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import * as runtime from 'react/jsx-runtime';
import {createElement} from 'react';
import {renderToStaticMarkup} from 'react-dom/server';

const results = {};
for (const file of process.argv.slice(2)) {
  try {
    const source = await readFile(file, 'utf8');
    const code = await compile(source, {
      format: 'mdx',
      outputFormat: 'function-body',
      remarkPlugins: [remarkFrontmatter, remarkDirective, remarkGfm, remarkComment],
    });
    const {default: Content} = await run(String(code), {...runtime, baseUrl: import.meta.url});
    results[file] = {ok: true, html: renderToStaticMarkup(createElement(Content))};
  } catch (error) {
    results[file] = {ok: false, error: String(error)};
  }
}
process.stdout.write(JSON.stringify(results));
