// Runnable: node --conditions=@autodialer/source packages/domain/examples/usage.ts
import { ContactRepo, Database, Migrations, OrganizationRepo, Phone, Repositories, Secrets } from "@autodialer/domain"
import { Effect, Layer } from "effect"

const program = Effect.gen(function*() {
  yield* Migrations.migrate // applies pending migrations; a no-op when up to date
  const org = yield* OrganizationRepo.OrganizationRepo.use((orgs) => orgs.create({
    name: "Acme", slug: "acme", plan: "free",
    limits: { maxUsers: 5, maxAiCallsPerMonth: 0, maxConcurrentCalls: 2 },
    settings: { defaultTimeZone: "America/New_York" as never, defaultRegion: "US", recordCalls: false }
  }))
  const phone = yield* Phone.parseEffect("(415) 555-0123", "US" as Phone.Region)
  const contacts = yield* ContactRepo.ContactRepo
  yield* contacts.create(org.id, {
    crmId: null, sourceCrm: null, firstName: "Grace", lastName: "Hopper", company: null, title: null, email: null,
    phone, alternatePhones: [], timeZone: null, timeZoneSource: null, leadScore: null, status: "new", stage: null,
    source: "example", ownerId: null, tags: [], customFields: {},
    consent: { status: "unknown", method: null, capturedAt: null, evidence: null }, lastContactedAt: null
  })
  const page = yield* contacts.list(org.id, { limit: 10 }) // runs as the tenant, under row-level security
  console.log(page.items.map((c) => `${c.firstName} ${c.phone}`))
})

const layer = Repositories.layer.pipe(
  Layer.provideMerge(Database.layerPglite()), // or Database.layerConfig (DATABASE_URL, else ./data/pglite)
  Layer.provide(Secrets.Secrets.layerTest)
)
Effect.runPromise(program.pipe(Effect.provide(layer)))
