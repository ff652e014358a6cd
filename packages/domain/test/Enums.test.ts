import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import fc from "fast-check"
import * as Decode from "../src/Decode.ts"
import * as Enums from "../src/Enums.ts"

const mappings = [
  ["OrganizationPlan", Enums.OrganizationPlan, Enums.organizationPlanFromSeed],
  ["UserRole", Enums.UserRole, Enums.userRoleFromSeed],
  ["ContactStatus", Enums.ContactStatus, Enums.contactStatusFromSeed],
  ["CampaignMode", Enums.CampaignMode, Enums.campaignModeFromSeed],
  ["CampaignStatus", Enums.CampaignStatus, Enums.campaignStatusFromSeed],
  ["QueueStatus", Enums.QueueStatus, Enums.queueStatusFromSeed],
  ["Provider", Enums.Provider, Enums.providerFromSeed],
  ["CallDirection", Enums.CallDirection, Enums.callDirectionFromSeed],
  ["CallStatus", Enums.CallStatus, Enums.callStatusFromSeed],
  ["AnsweredBy", Enums.AnsweredBy, Enums.answeredByFromSeed],
  ["CallOutcome", Enums.CallOutcome, Enums.callOutcomeFromSeed],
  ["RecordingStatus", Enums.RecordingStatus, Enums.recordingStatusFromSeed],
  ["DncReason", Enums.DncReason, Enums.dncReasonFromSeed],
  ["VoiceServerStatus", Enums.VoiceServerStatus, Enums.voiceServerStatusFromSeed],
  ["AgentState", Enums.AgentState, Enums.agentStateFromSeed],
  ["CrmType", Enums.CrmType, Enums.crmTypeFromSeed],
  ["CrmSyncStatus", Enums.CrmSyncStatus, Enums.crmSyncStatusFromSeed]
] as const

describe("enum mappings from the seeds", () => {
  it.each(mappings)("%s: every one of our names maps to itself", (_, schema, fromSeed) => {
    for (const name of schema.literals) expect(fromSeed(name)).toBe(name)
  })

  it.each(mappings)("%s: any input maps to one of our names or to undefined", (_, schema, fromSeed) => {
    fc.assert(fc.property(fc.string(), (s) => {
      const mapped = fromSeed(s)
      if (mapped !== undefined) expect(schema.literals as ReadonlyArray<string>).toContain(mapped)
    }))
  })

  it("maps the seeds' spellings explicitly", () => {
    // seed 001 (Twilio-style call_logs.status)
    expect(Enums.callStatusFromSeed("in-progress")).toBe("in_progress")
    expect(Enums.callStatusFromSeed("no-answer")).toBe("no_answer")
    expect(Enums.callDirectionFromSeed("outbound-api")).toBe("outbound")
    // seed 000 CallSession states
    expect(Enums.callStatusFromSeed("Dialing")).toBe("initiated")
    expect(Enums.callStatusFromSeed("connected")).toBe("in_progress")
    // seed 001 campaigns
    expect(Enums.campaignStatusFromSeed("active")).toBe("running")
    expect(Enums.campaignModeFromSeed("power")).toBe("parallel")
    expect(Enums.campaignModeFromSeed("AI")).toBe("agentless")
    // CRM lead statuses (seeds 002-004)
    expect(Enums.contactStatusFromSeed("Open - Not Contacted")).toBe("new")
    expect(Enums.contactStatusFromSeed("Closed - Converted")).toBe("converted")
    expect(Enums.contactStatusFromSeed("ATTEMPTED_TO_CONTACT")).toBe("attempted")
    expect(Enums.userRoleFromSeed("SDR")).toBe("agent")
    expect(Enums.userRoleFromSeed("supervisor")).toBe("manager")
    expect(Enums.voiceServerStatusFromSeed("offline")).toBe("inactive")
    expect(Enums.callStatusFromSeed("teleported")).toBeUndefined()
  })

  it("decoding a value outside an enum names the field, the value and the allowed values", () => {
    const decode = Decode.decodeUnknownResult(Schema.Struct({ status: Enums.CallStatus }), "call")
    const r = decode({ status: "in-progress" })
    expect(Result.isFailure(r) && r.failure.message).toBe(
      `invalid call: status: Expected "queued" | "initiated" | "ringing" | "in_progress" | "completed" | "busy" | "no_answer" | "failed" | "canceled", got "in-progress"`
    )
  })
})
