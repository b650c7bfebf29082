/**
 * `node --import tsx test/helpers/prepare-template.ts <file>`: imports the recorded data
 * (OPTDESK_DATA or ../shared/data) into the template database `file`, once per `npm test`
 * (scripts/test.mjs), and prints the data directory it imported, for OPTDESK_TEST_TEMPLATE_DATA.
 */
import { buildTemplateDb } from './store.js';
import { DATA_DIR } from './data.js';

const file = process.argv[2];
if (!file) throw new Error('usage: prepare-template.ts <template.db>');
await buildTemplateDb(file);
process.stdout.write(DATA_DIR);
