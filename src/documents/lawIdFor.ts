/**
 * law-id rules (DESIGN §2): the lowercase slug of the document's `doc_prefix`.
 */

/** A doc_prefix: letters, digits, `.`, `_`, `-`; starts with a letter or digit; no `/` (it prefixes addresses). */
export const DOC_PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A law-id: lowercase letters and digits in `-`-separated groups (`us-const`, `eu-gdpr`). */
export const LAW_ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * The law-id of a doc_prefix: lowercased, every run of other characters turned into one `-`,
 * leading and trailing `-` dropped. `US-CONST` → `us-const`, `EU_GDPR` → `eu-gdpr`.
 */
export function lawIdFor(docPrefix: string): string {
  return docPrefix.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}
