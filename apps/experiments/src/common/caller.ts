import type { RequestContext } from '@shipyard/service-kit';

/** Who is writing, as use cases need it; every transport (native HTTP, MLflow REST, RPC) can supply this. */
export type Caller = Pick<RequestContext, 'actor' | 'requestId' | 'userId'>;
