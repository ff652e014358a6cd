/**
 * All repositories as one layer, for composition roots (server, worker) that
 * want every aggregate. Needs a `SqlClient` and `Secrets` (CRM credentials).
 */
import { Layer } from "effect"
import { AgentStateRepo } from "./AgentStateRepo.ts"
import { AnalyticsRepo } from "./AnalyticsRepo.ts"
import { ApiKeyRepo } from "./ApiKeyRepo.ts"
import { AuditRepo } from "./AuditRepo.ts"
import { CallEventRepo } from "./CallEventRepo.ts"
import { CallNoteRepo } from "./CallNoteRepo.ts"
import { CallQueueRepo } from "./CallQueueRepo.ts"
import { CallRepo } from "./CallRepo.ts"
import { CampaignRepo } from "./CampaignRepo.ts"
import { ContactRepo } from "./ContactRepo.ts"
import { CrmConnectionRepo } from "./CrmConnectionRepo.ts"
import { CrmSyncLogRepo } from "./CrmSyncLogRepo.ts"
import { DialingSessionRepo } from "./DialingSessionRepo.ts"
import { DispositionRepo } from "./DispositionRepo.ts"
import { DncRepo } from "./DncRepo.ts"
import { OrganizationRepo } from "./OrganizationRepo.ts"
import { PhoneNumberRepo } from "./PhoneNumberRepo.ts"
import { RecordingRepo } from "./RecordingRepo.ts"
import { SessionRepo } from "./SessionRepo.ts"
import { UserRepo } from "./UserRepo.ts"
import { VoicemailRepo } from "./VoicemailRepo.ts"
import { VoiceServerRepo } from "./VoiceServerRepo.ts"

export const layer = Layer.mergeAll(
  AgentStateRepo.layer,
  AnalyticsRepo.layer,
  ApiKeyRepo.layer,
  AuditRepo.layer,
  CallEventRepo.layer,
  CallNoteRepo.layer,
  CallQueueRepo.layer,
  CallRepo.layer,
  CampaignRepo.layer,
  ContactRepo.layer,
  CrmConnectionRepo.layer,
  CrmSyncLogRepo.layer,
  DialingSessionRepo.layer,
  DispositionRepo.layer,
  DncRepo.layer,
  OrganizationRepo.layer,
  PhoneNumberRepo.layer,
  RecordingRepo.layer,
  SessionRepo.layer,
  UserRepo.layer,
  VoicemailRepo.layer,
  VoiceServerRepo.layer
)
