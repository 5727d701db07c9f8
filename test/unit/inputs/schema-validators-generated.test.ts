import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { generatedFile, generateSchemaValidators } from '../../../scripts/generate-schema-validators.js';
import { compiledSchemas, schemaKey } from '../../../src/inputs/schema-check.js';
import { precompiledValidators } from '../../../src/inputs/schema-validators.generated.js';

test('every schema the spec modules compile has its precompiled validator, up to date', async () => {
  const expected = await generateSchemaValidators();
  assert.ok(compiledSchemas.length > 0);
  const missing = compiledSchemas.filter((s) => precompiledValidators[schemaKey(s)] === undefined);
  assert.equal(
    (await readFile(generatedFile, 'utf8')) === expected && missing.length === 0,
    true,
    'src/inputs/schema-validators.generated.ts is stale: run `npm run generate:validators` and commit it',
  );
});
