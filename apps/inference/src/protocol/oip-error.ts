/**
 * A request the protocol layer refuses. The routes answer it with `status` and the OIP error body
 * `{"error": message}`; anything else thrown by the codecs is a server fault (500).
 */
export class OipError extends Error {
  constructor(
    readonly status: 400 | 404 | 413 | 415 | 422,
    message: string,
  ) {
    super(message);
    this.name = 'OipError';
  }
}

export function badRequest(message: string): OipError {
  return new OipError(400, message);
}
