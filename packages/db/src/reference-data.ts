import { KG_HOTLINE_RISK_0_1, Methodology, TAXONOMY_KG_2026_1, Taxonomy } from '@korgon/domain';
import type { Queryable } from './queryable';

/**
 * The reference data Korgon cannot run without, in every installation (not only the demo): the first
 * taxonomy and the first risk methodology. Inserted once; made active only when nothing else is, so an
 * admin's later choice is never undone by a restart.
 */
export async function ensureReferenceData(client: Queryable): Promise<void> {
  const taxonomy = Taxonomy.parse(TAXONOMY_KG_2026_1);
  await client.query(
    `INSERT INTO taxonomy_versions (version, document, active)
     VALUES ($1, $2, NOT EXISTS (SELECT 1 FROM taxonomy_versions WHERE active))
     ON CONFLICT (version) DO NOTHING`,
    [taxonomy.version, JSON.stringify(taxonomy)],
  );
  const methodology = Methodology.parse(KG_HOTLINE_RISK_0_1);
  await client.query(
    `INSERT INTO methodology_versions (methodology_id, version, document, active)
     VALUES ($1, $2, $3, NOT EXISTS (SELECT 1 FROM methodology_versions WHERE active))
     ON CONFLICT (methodology_id, version) DO NOTHING`,
    [methodology.id, methodology.version, JSON.stringify(methodology)],
  );
}
