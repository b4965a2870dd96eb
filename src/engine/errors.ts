/**
 * Errors the engine throws for bad requests. The API maps them to 4xx answers; their messages name the field or
 * object and the problem.
 */

/** 404: the execution, stage or pipeline does not exist. */
export class NotFoundError extends Error {
  readonly statusCode = 404;
}

/** 400: the request is malformed or contradicts the pipeline (e.g. unknown judgmentInput). */
export class BadRequestError extends Error {
  readonly statusCode = 400;
  constructor(
    message: string,
    readonly issues: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

/** 409: the request is well formed but the object is not in a state that allows it (e.g. judging a finished stage). */
export class ConflictError extends Error {
  readonly statusCode = 409;
}
