// Compile an MDX file with the real @mdx-js/mdx 3 and print, as JSON, the explicit heading ids
// written as a trailing MDX comment `{/* #id */}` (the syntax Docusaurus >= 3.10 reads from the
// heading's last child) and the in-page link targets (`#id`). Used through tests/realtools.py.
import {compile} from '@mdx-js/mdx'
// As Docusaurus does for every file: front matter, and HTML comments (`<!-- truncate -->`).
import remarkComment from '@slorber/remark-comment'
import remarkFrontmatter from 'remark-frontmatter'
import {readFileSync} from 'node:fs'

const ids = []
const links = []

function collect() {
  return (tree) => {
    const walk = (node) => {
      if (node.type === 'heading') {
        const last = node.children.at(-1)
        if (last && last.type === 'mdxTextExpression') {
          const match = /^\/\*\s*#([\w-]+)\s*\*\/$/.exec(last.value.trim())
          if (match) ids.push(match[1])
        }
      }
      if (node.type === 'link' && node.url.startsWith('#')) links.push(node.url.slice(1))
      for (const child of node.children || []) walk(child)
    }
    walk(tree)
  }
}

await compile(readFileSync(process.argv[2], 'utf8'), {remarkPlugins: [remarkFrontmatter, remarkComment, collect]})
console.log(JSON.stringify({ids, links}))
