/**
 * Every model survives its variants: the database row (select), the insert
 * and update encodings (jsonb fields become JSON text), and the JSON API
 * form (timestamps as ISO strings, sensitive fields absent).
 */
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import type { Model } from "effect/schema"
import { AgentStateLog } from "../src/AgentStateLog.ts"
import { CallMetric, CampaignDailyStats, ContactMetric, OrgDailySnapshot } from "../src/Analytics.ts"
import { AuditLog } from "../src/AuditLog.ts"
import { Call, CallEvent } from "../src/Call.ts"
import { CallNote } from "../src/CallNote.ts"
import { Campaign } from "../src/Campaign.ts"
import { CampaignContact } from "../src/CampaignContact.ts"
import { Contact } from "../src/Contact.ts"
import { CrmConnection } from "../src/CrmConnection.ts"
import { CrmSyncLog } from "../src/CrmSyncLog.ts"
import { Disposition } from "../src/Disposition.ts"
import { DncEntry } from "../src/DncEntry.ts"
import { Organization, Team } from "../src/Organization.ts"
import { PhoneNumber } from "../src/PhoneNumber.ts"
import { Recording } from "../src/Recording.ts"
import { ApiKey, Session, User } from "../src/User.ts"
import { VoicemailMessage } from "../src/VoicemailMessage.ts"
import { VoiceServer } from "../src/VoiceServer.ts"
import * as S from "./support/samples.ts"

type AnyModel = Model.Any & { readonly fields: Schema.Struct.Fields }

const cases: ReadonlyArray<readonly [string, AnyModel, object]> = [
  ["Organization", Organization, S.organization],
  ["Team", Team, S.team],
  ["User", User, S.user],
  ["ApiKey", ApiKey, S.apiKey],
  ["Session", Session, S.session],
  ["AuditLog", AuditLog, S.auditLog],
  ["Contact", Contact, S.contact],
  ["Campaign", Campaign, S.campaign],
  ["CampaignContact", CampaignContact, S.campaignContact],
  ["Call", Call, S.call],
  ["CallEvent", CallEvent, S.callEvent],
  ["Recording", Recording, S.recording],
  ["CallNote", CallNote, S.callNote],
  ["VoicemailMessage", VoicemailMessage, S.voicemailMessage],
  ["Disposition", Disposition, S.disposition],
  ["PhoneNumber", PhoneNumber, S.phoneNumber],
  ["DncEntry", DncEntry, S.dncEntry],
  ["CrmConnection", CrmConnection, S.crmConnection],
  ["CrmSyncLog", CrmSyncLog, S.crmSyncLog],
  ["AgentStateLog", AgentStateLog, S.agentStateLog],
  ["VoiceServer", VoiceServer, S.voiceServer],
  ["OrgDailySnapshot", OrgDailySnapshot, S.orgDailySnapshot],
  ["CallMetric", CallMetric, S.callMetric],
  ["ContactMetric", ContactMetric, S.contactMetric],
  ["CampaignDailyStats", CampaignDailyStats, S.campaignDailyStats]
]

const pick = (value: object, schema: Schema.Top): Record<string, unknown> => {
  const fields = (schema as unknown as { readonly fields: Record<string, unknown> }).fields
  return Object.fromEntries(Object.entries(value).filter(([k]) => k in fields))
}

const sensitive = new Set([
  "passwordHash", "twoFactorSecretEncrypted", "twoFactorRecoveryHashes", "keyHash", "tokenHash", "credentialsEncrypted"
])

describe("model variants round-trip", () => {
  it.each(cases)("%s: the database row decodes to the model and encodes back to the same row", (_, model, sample) => {
    const codec = model as unknown as Schema.Codec<object, unknown>
    // The driver hands us plain objects; decoding builds the model class instance.
    const instance = Schema.decodeUnknownSync(codec)(sample)
    expect(instance).toBeInstanceOf(model as unknown as new(...args: ReadonlyArray<never>) => object)
    expect({ ...instance }).toStrictEqual({ ...sample })
    const row = Schema.encodeUnknownSync(codec)(instance)
    expect(row).toStrictEqual({ ...sample })
  })

  it.each(cases)("%s: insert and update encodings decode back (jsonb as JSON text)", (_, model, sample) => {
    for (const variant of [model.insert, model.update]) {
      const codec = variant as Schema.Codec<unknown, unknown>
      const value = pick(sample, variant)
      const encoded = Schema.encodeUnknownSync(codec)(value) as Record<string, unknown>
      for (const v of Object.values(encoded)) {
        // Every column value is something the Postgres driver can bind.
        expect(v === null || ["string", "number", "boolean"].includes(typeof v) || v instanceof Date || Array.isArray(v)).toBe(true)
      }
      expect(Schema.decodeUnknownSync(codec)(encoded)).toStrictEqual(value)
    }
  })

  it.each(cases)("%s: the JSON form survives JSON.stringify and omits secrets", (_, model, sample) => {
    const codec = model.json as Schema.Codec<unknown, unknown>
    const value = pick(sample, model.json)
    const wire = JSON.parse(JSON.stringify(Schema.encodeUnknownSync(codec)(value)))
    for (const key of Object.keys(wire)) expect(sensitive.has(key)).toBe(false)
    expect(Schema.decodeUnknownSync(codec)(wire)).toStrictEqual(value)
  })
})
