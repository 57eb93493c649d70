import type { CardResponse, CardTextField } from '@shipyard/contracts';

const SECTIONS: ReadonlyArray<[CardTextField, string]> = [
  ['intendedUse', 'Intended use'],
  ['outOfScopeUse', 'Out-of-scope use'],
  ['trainingData', 'Training data'],
  ['evaluationData', 'Evaluation data'],
  ['evaluationResults', 'Evaluation results'],
  ['limitations', 'Limitations'],
  ['ethicalConsiderations', 'Ethical considerations'],
];

/** Escapes what would change a one-line value's meaning in Markdown (free text sections are kept as written). */
function inline(s: string): string {
  return s.replace(/[\\`*_[\]<>#|]/g, (c) => `\\${c}`).replace(/\s+/g, ' ');
}

/** The card as a Markdown document: a title, a status line, one section per field, owners last. */
export function renderCardMarkdown(card: CardResponse): string {
  const lines = [`# Model card: ${inline(card.modelName)} v${card.version}`, '', `**Status:** ${card.status} · **Updated:** ${card.updatedAt}`, ''];
  for (const [field, title] of SECTIONS) {
    lines.push(`## ${title}`, '', card[field]?.trim() || '_Not provided._', '');
  }
  lines.push('## Owners', '', ...(card.owners.length ? card.owners.map((o) => `- ${inline(o)}`) : ['_Not provided._']), '');
  return lines.join('\n');
}
