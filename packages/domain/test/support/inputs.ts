/** Valid model inputs for repository tests. */
import type { NewContact } from "../../src/ContactRepo.ts"
import type { E164 } from "../../src/Phone.ts"

export const newContact = (phone: string, overrides: Partial<NewContact> = {}): NewContact => ({
  crmId: null,
  sourceCrm: null,
  firstName: "Grace",
  lastName: "Hopper",
  company: "Navy",
  title: null,
  email: "grace@example.com",
  phone: phone as E164,
  alternatePhones: [],
  timeZone: null,
  timeZoneSource: null,
  leadScore: 42,
  status: "new",
  stage: null,
  source: "test",
  ownerId: null,
  tags: ["vip"],
  customFields: { plan: "gold", seats: 12 },
  consent: { status: "granted", method: "web_form", capturedAt: "2026-11-01T10:00:00Z", evidence: null },
  lastContactedAt: null,
  ...overrides
})
