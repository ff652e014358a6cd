/**
 * The failures a CRM connector can report for a whole operation.
 *
 * A single bad record is not an operation failure: it is returned as a `RecordRejected` value next
 * to the good records (see CrmConnector). These errors are for the request as a whole: the vendor
 * kept rate limiting after every retry, the credentials were refused even after a refresh, the
 * vendor answered something we cannot read. `isRetryable` tells the workflow layer whether to try
 * the activity again later.
 */
import { Schema } from "effect"
import { CrmType } from "@autodialer/domain/Enums"

const common = {
  provider: CrmType,
  /** The connector operation, e.g. "pullContacts", "pushCallActivities". */
  operation: Schema.String,
  message: Schema.String
}

/** The vendor rate limited us and kept doing so through every retry. */
export class CrmRateLimited extends Schema.TaggedError<CrmRateLimited>()("CrmRateLimited", {
  ...common,
  retryAfterMillis: Schema.NullOr(Schema.Number)
}) {
  get isRetryable(): boolean {
    return true
  }
}

/** The vendor refused our credentials, and refreshing them did not help (or is not possible). */
export class CrmUnauthorized extends Schema.TaggedError<CrmUnauthorized>()("CrmUnauthorized", {
  ...common,
  status: Schema.Number
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The stored credentials could not be decrypted or do not have the shape this CRM needs. */
export class CrmCredentialsInvalid extends Schema.TaggedError<CrmCredentialsInvalid>()("CrmCredentialsInvalid", {
  ...common
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The vendor answered with an error status, or the connection failed. */
export class CrmRequestFailed extends Schema.TaggedError<CrmRequestFailed>()("CrmRequestFailed", {
  ...common,
  /** HTTP status, or null when no response arrived (network error, file error). */
  status: Schema.NullOr(Schema.Number)
}) {
  get isRetryable(): boolean {
    return this.status === null || this.status >= 500 || this.status === 408
  }
}

/** The vendor answered 2xx with a body that does not match its documented format. */
export class CrmResponseInvalid extends Schema.TaggedError<CrmResponseInvalid>()("CrmResponseInvalid", {
  ...common
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The input we were asked to send is unusable for this CRM (e.g. a record id of the wrong kind). */
export class CrmInputInvalid extends Schema.TaggedError<CrmInputInvalid>()("CrmInputInvalid", {
  ...common
}) {
  get isRetryable(): boolean {
    return false
  }
}

export type CrmError =
  | CrmRateLimited
  | CrmUnauthorized
  | CrmCredentialsInvalid
  | CrmRequestFailed
  | CrmResponseInvalid
  | CrmInputInvalid
