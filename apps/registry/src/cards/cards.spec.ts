import type { CardResponse, Permission } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';
import { renderCardMarkdown } from './card-markdown';
import { assertTransition, CARD_TRANSITIONS, changedFields, EMPTY_CARD, mergeContent } from './card-transitions';

const writer = { userId: 'u-writer', permissions: new Set<Permission>(['models:read', 'models:write']) };
const approver = { userId: 'u-approver', permissions: new Set<Permission>(['models:read', 'models:write', 'models:approve']) };
const complete = { ...EMPTY_CARD, intendedUse: 'churn scoring', owners: ['team-growth'] };

function codeOf(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof DomainError ? String(e.code) : 'not a DomainError';
  }
}

describe('model card state machine', () => {
  it('allows exactly Draft→PendingReview, PendingReview→Approved|Draft, Approved→Archived', () => {
    const allowed = Object.entries(CARD_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}→${to}`));
    expect(allowed.sort()).toEqual(['Approved→Archived', 'Draft→PendingReview', 'PendingReview→Approved', 'PendingReview→Draft']);
    expect(codeOf(() => assertTransition('Draft', 'Approved', complete, null, approver))).toBe('INVALID_CARD_TRANSITION');
    expect(codeOf(() => assertTransition('Archived', 'Draft', complete, null, approver))).toBe('INVALID_CARD_TRANSITION');
    expect(codeOf(() => assertTransition('Approved', 'PendingReview', complete, null, approver))).toBe('INVALID_CARD_TRANSITION');
  });

  it('needs intended use and owners before review', () => {
    expect(codeOf(() => assertTransition('Draft', 'PendingReview', EMPTY_CARD, null, writer))).toBe('CARD_INCOMPLETE');
    expect(codeOf(() => assertTransition('Draft', 'PendingReview', complete, null, writer))).toBeNull();
  });

  it('lets only an approver who did not submit the card approve it', () => {
    expect(codeOf(() => assertTransition('PendingReview', 'Approved', complete, 'u-submitter', writer))).toBe('APPROVAL_PERMISSION_REQUIRED');
    expect(codeOf(() => assertTransition('PendingReview', 'Approved', complete, approver.userId, approver))).toBe('SELF_REVIEW_FORBIDDEN');
    expect(codeOf(() => assertTransition('PendingReview', 'Approved', complete, 'u-submitter', approver))).toBeNull();
    expect(codeOf(() => assertTransition('PendingReview', 'Draft', complete, 'u-submitter', writer))).toBeNull();
  });

  it('merges given fields over the stored ones and reports what changed', () => {
    const next = mergeContent(complete, { limitations: 'tabular only', intendedUse: null, owners: ['a', 'a', 'b'] });
    expect(next).toEqual({ ...complete, limitations: 'tabular only', intendedUse: null, owners: ['a', 'b'] });
    expect(changedFields(complete, next)).toEqual(['intendedUse', 'limitations', 'owners']);
    expect(changedFields(next, mergeContent(next, {}))).toEqual([]);
  });
});

describe('renderCardMarkdown', () => {
  it('renders every section in order, marks empty ones and escapes one-line values', () => {
    const card: CardResponse = {
      versionId: 'v', modelId: 'm', modelName: 'churn_*model*', version: 3, status: 'Approved', ...complete, limitations: 'Only **tabular** data.\n\nNot images.',
      owners: ['team <growth>'], submittedByUserId: null, updatedBy: 'user:x', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z',
    };
    const md = renderCardMarkdown(card);
    expect(md.split('\n').filter((l) => l.startsWith('#'))).toEqual([
      '# Model card: churn\\_\\*model\\* v3', '## Intended use', '## Out-of-scope use', '## Training data', '## Evaluation data', '## Evaluation results', '## Limitations', '## Ethical considerations', '## Owners',
    ]);
    expect(md).toContain('**Status:** Approved');
    expect(md).toContain('## Intended use\n\nchurn scoring\n');
    expect(md).toContain('## Limitations\n\nOnly **tabular** data.\n\nNot images.\n');
    expect(md).toContain('## Training data\n\n_Not provided._\n');
    expect(md).toContain('- team \\<growth\\>');
  });
});
