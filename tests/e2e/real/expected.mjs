// The statuses docs/real-servers.md gives every check on each real flow, in the popup and from
// the CLI: the specs assert exactly these (crates/flowlens-cli/tests/real_servers.rs reads the
// same tables), so the document that justifies each status is the one that is tested.
//
// A table starts after `<!-- table: NAME -->` (or `<!-- table: NAME, based on: BASE -->`, which
// lists only the rows that differ from BASE) and has rows `| \`check-id\` | popup | CLI | why |`.

import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../harness.mjs';

const DOC = path.join(REPO_ROOT, 'docs', 'real-servers.md');

function tables() {
  const text = fs.readFileSync(DOC, 'utf8');
  const found = new Map();
  let current = null;
  for (const line of text.split('\n')) {
    const marker = line.match(/<!-- table: ([\w-]+)(?:, based on: ([\w-]+))? -->/);
    if (marker) {
      current = { base: marker[2] ?? null, rows: new Map() };
      found.set(marker[1], current);
      continue;
    }
    const row = line.match(/^\| `([a-z0-9-]+)` \| ([a-z-]+) \| ([a-z-]+) \|/);
    if (row && current) current.rows.set(row[1], { popup: row[2], cli: row[3] });
    else if (current && line.startsWith('#')) current = null;
  }
  return found;
}

/** { popup: {id: status}, cli: {id: status} } of a table, its base's rows included. */
export function expectedStatuses(name) {
  const all = tables();
  const table = all.get(name);
  if (!table) throw new Error(`docs/real-servers.md has no table ${name}`);
  const rows = new Map(table.base ? all.get(table.base).rows : []);
  for (const [id, statuses] of table.rows) rows.set(id, statuses);
  const pick = (key) => Object.fromEntries([...rows].map(([id, s]) => [id, s[key]]));
  return { popup: pick('popup'), cli: pick('cli') };
}
