import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from 'vitest';
import { createCutMachine } from '../../machines/cutMachine.js';
import { toMermaid } from '../../machines/toMermaid.js';
import { packageRoot } from '../../src/packageRoot.js';

test('README embeds exactly the graph generated from the machine definition', async () => {
  const readme = await readFile(path.join(packageRoot(), 'README.md'), 'utf8');
  const m = /<!-- graph:start -->\n```mermaid\n([\s\S]*?)\n```\n<!-- graph:end -->/.exec(readme);
  expect(m, 'README.md has a graph:start/graph:end mermaid block').not.toBeNull();
  expect(m?.[1]).toBe(toMermaid(createCutMachine()).replace(/\n$/, ''));
});
