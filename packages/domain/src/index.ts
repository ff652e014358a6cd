// Public surface of @autodialer/domain: re-exports only.

// Values and validation
export * as Decode from "./Decode.ts"
export * as Enums from "./Enums.ts"
export * as Fields from "./Fields.ts"
export * as Ids from "./Ids.ts"
export * as Page from "./Page.ts"
export * as Phone from "./Phone.ts"
export * as TimeZone from "./TimeZone.ts"
export * as UuidV7 from "./UuidV7.ts"

// Models
export * as AgentStateLog from "./AgentStateLog.ts"
export * as Analytics from "./Analytics.ts"
export * as AuditLog from "./AuditLog.ts"
export * as Call from "./Call.ts"
export * as CallNote from "./CallNote.ts"
export * as Campaign from "./Campaign.ts"
export * as CampaignContact from "./CampaignContact.ts"
export * as Contact from "./Contact.ts"
export * as CrmConnection from "./CrmConnection.ts"
export * as CrmSyncLog from "./CrmSyncLog.ts"
export * as Disposition from "./Disposition.ts"
export * as DncEntry from "./DncEntry.ts"
export * as Organization from "./Organization.ts"
export * as PhoneNumber from "./PhoneNumber.ts"
export * as Recording from "./Recording.ts"
export * as User from "./User.ts"
export * as VoiceServer from "./VoiceServer.ts"
export * as VoicemailMessage from "./VoicemailMessage.ts"

// Persistence
export * as Database from "./Database.ts"
export * as Migrations from "./Migrations.ts"
export * as Tenancy from "./Tenancy.ts"
export * as TestDatabase from "./TestDatabase.ts"

// Repositories
export * as AgentStateRepo from "./AgentStateRepo.ts"
export * as AnalyticsRepo from "./AnalyticsRepo.ts"
export * as ApiKeyRepo from "./ApiKeyRepo.ts"
export * as AuditRepo from "./AuditRepo.ts"
export * as CallEventRepo from "./CallEventRepo.ts"
export * as CallQueueRepo from "./CallQueueRepo.ts"
export * as CallRepo from "./CallRepo.ts"
export * as CampaignRepo from "./CampaignRepo.ts"
export * as ContactRepo from "./ContactRepo.ts"
export * as CrmConnectionRepo from "./CrmConnectionRepo.ts"
export * as CrmSyncLogRepo from "./CrmSyncLogRepo.ts"
export * as DispositionRepo from "./DispositionRepo.ts"
export * as DncRepo from "./DncRepo.ts"
export * as OrganizationRepo from "./OrganizationRepo.ts"
export * as PhoneNumberRepo from "./PhoneNumberRepo.ts"
export * as SessionRepo from "./SessionRepo.ts"
export * as UserRepo from "./UserRepo.ts"
export * as VoiceServerRepo from "./VoiceServerRepo.ts"

export * as Repositories from "./Repositories.ts"

// Secrets
export * as Passwords from "./Passwords.ts"
export * as Secrets from "./Secrets.ts"
