// A small Markdown subset for the model card, built as DOM nodes (text is never parsed as HTML):
// # headings, paragraphs, - / * / 1. lists (items may continue on indented lines), | pipe |
// tables |, fenced and 4-space indented code blocks, **bold**, `code`, [text](url) shown as its
// text.
function inline(parent, text) {
  const parts = text.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1').split(/(\*\*[^*]+\*\*|`[^`]+`)/);
  for (const part of parts) {
    if (!part) continue;
    let node;
    if (part.startsWith('**') && part.endsWith('**')) {
      node = document.createElement('strong');
      node.textContent = part.slice(2, -2);
    } else if (part.startsWith('`') && part.endsWith('`')) {
      node = document.createElement('code');
      node.textContent = part.slice(1, -1);
    } else {
      node = document.createTextNode(part);
    }
    parent.append(node);
  }
  return parent;
}

const cells = (line) => line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());

export function renderMarkdown(container, text) {
  container.replaceChildren();
  const lines = text.replace(/\r/g, '').split('\n');
  let i = 0;
  const el = (tag) => document.createElement(tag);
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    if (/^```/.test(line) || /^( {4}|\t)/.test(line)) {
      const fenced = /^```/.test(line);
      const code = [];
      if (fenced) {
        i++;
        while (i < lines.length && !/^```/.test(lines[i])) code.push(lines[i++]);
        i++;  // the closing fence
      } else {
        while (i < lines.length && (/^( {4}|\t)/.test(lines[i]) || !lines[i].trim()))
          code.push(lines[i++].replace(/^( {4}|\t)/, ''));
      }
      const pre = el('pre');
      pre.textContent = code.join('\n').trimEnd();
      container.append(pre);
      continue;
    }
    const heading = line.match(/^(#{1,4})\s+(.*)$/);
    if (heading) {
      container.append(inline(el(`h${Math.min(6, heading[1].length + 2)}`), heading[2]));
      i++;
    } else if (/^\s*\|/.test(line)) {
      const table = el('table');
      const rows = [];
      while (i < lines.length && /^\s*\|/.test(lines[i])) rows.push(lines[i++]);
      rows.forEach((row, r) => {
        if (/^\s*\|?[\s:|-]+\|?\s*$/.test(row)) return;  // the |---|---| separator
        const tr = el('tr');
        for (const c of cells(row)) tr.append(inline(el(r === 0 ? 'th' : 'td'), c));
        table.append(tr);
      });
      container.append(table);
    } else if (/^\s*([-*]|\d+\.)\s+/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const list = el(ordered ? 'ol' : 'ul');
      const item = /^\s*([-*]|\d+\.)\s+/;
      while (i < lines.length && item.test(lines[i])) {
        let text = lines[i++].replace(item, '');
        // Continuation lines: indented, not blank, not a new item or a table row.
        while (i < lines.length && /^\s+\S/.test(lines[i]) && !item.test(lines[i]) &&
               !/^\s*\|/.test(lines[i]))
          text += ' ' + lines[i++].trim();
        list.append(inline(el('li'), text));
      }
      container.append(list);
    } else {
      const para = [];
      while (i < lines.length && lines[i].trim() && !/^(#|\s*\||\s*([-*]|\d+\.)\s)/.test(lines[i])) para.push(lines[i++].trim());
      container.append(inline(el('p'), para.join(' ')));
    }
  }
}
