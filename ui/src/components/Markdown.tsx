/**
 * Sanitized Markdown: react-markdown builds React elements from the Markdown syntax tree and, without the
 * rehype-raw plugin, never renders raw HTML (it is dropped), so a `<script>` in instructions cannot run.
 * Links are limited to http(s)/mailto by react-markdown's default URL transform.
 */
import ReactMarkdown from 'react-markdown';

export default function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown skipHtml>{text}</ReactMarkdown>
    </div>
  );
}
