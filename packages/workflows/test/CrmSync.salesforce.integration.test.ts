/**
 * The same CRM sync workflow over a Salesforce connection (the connector is
 * chosen from the stored row by `Connectors.fromConnection`; the instance URL
 * points at the Salesforce loopback fake of `@autodialer/crm-sync`): contacts
 * pulled with SOQL, finished calls upserted as Tasks against the Contact they
 * were dialled from, once, and nothing on a second run.
 */
import { CallRepo } from "@autodialer/domain/CallRepo"
import { ContactRepo } from "@autodialer/domain/ContactRepo"
import type { CrmConnectionId } from "@autodialer/domain/Ids"
import { postgres, temporal } from "@autodialer/testkit"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { createAnalyticsEtlActivities } from "../src/activities/AnalyticsEtlActivities.ts"
import { createCrmSyncActivities } from "../src/activities/CrmSyncActivities.ts"
import { CrmSyncControl } from "../src/CrmSyncControl.ts"
import { createIntegrationsWorker } from "../src/IntegrationsWorker.ts"
import { deleteCrmSyncSchedule } from "../src/Schedules.ts"
import type { CrmSyncWorkflowResult } from "../src/workflows/CrmSyncWorkflow.ts"
import { createOrganization, placedCall, useTemporalRuntime } from "./CrmSyncSupport.ts"
import { sharedBundle, uniqueTaskQueue, withWorker } from "./support/Temporal.ts"

interface FakeSalesforce {
  readonly url: string
  readonly close: () => Promise<void>
  readonly state: {
    accessToken: string
    refreshToken: string
    readonly calls: ReadonlyArray<{ readonly id: string; readonly key: string; readonly contactId: string }>
  }
}
const fakesDir = new URL("../../crm-sync/test/fakes/", import.meta.url)
const { CLIENT, contactIds, startFakeSalesforce } = (await import(new URL("FakeSalesforce.ts", fakesDir).href)) as {
  readonly CLIENT: Record<string, string>
  readonly contactIds: ReadonlyArray<string>
  readonly startFakeSalesforce: () => Promise<FakeSalesforce>
}
const { seedContacts } = (await import(new URL("Loopback.ts", fakesDir).href)) as {
  readonly seedContacts: (state: FakeSalesforce["state"], base: number | undefined, ids: ReadonlyArray<string>) => void
}

const pg = postgres()
const server = temporal()

describe.skipIf(pg.skip || server.skip)("CRM sync workflow over Salesforce (Temporal dev server, Postgres, Salesforce fake)", () => {
  const { runtime, t } = useTemporalRuntime(pg.value ?? "", server.value ?? "", "crm_sync_sf")

  it("pulls Contacts and writes each finished call as one Task against its Contact", async () => {
    const fake = await startFakeSalesforce()
    const taskQueue = uniqueTaskQueue("crm-sf")
    try {
      seedContacts(fake.state, undefined, contactIds)
      const org = await runtime.runPromise(createOrganization("SF Co", "America/Los_Angeles"))
      const view = await runtime.runPromise(Effect.flatMap(CrmSyncControl, (c) =>
        c.connect(org.id, {
          crmType: "salesforce", name: "Salesforce", instanceUrl: fake.url, every: "1 hour",
          credentials: { accessToken: fake.state.accessToken, refreshToken: fake.state.refreshToken, instanceUrl: fake.url, loginUrl: fake.url, ...CLIENT }
        })).pipe(Effect.provide(CrmSyncControl.layer({ client: t.client, taskQueue }))))
      const connectionId = view.id as CrmConnectionId
      const worker = await createIntegrationsWorker({
        connection: t.nativeConnection, taskQueue, workflowBundle: await sharedBundle(),
        activities: { ...createCrmSyncActivities({ runtime }), ...createAnalyticsEtlActivities({ runtime }) }
      })
      const sync = (n: number) => t.client.workflow.execute("crmSyncWorkflow", {
        taskQueue, workflowId: `crm-sync-sf-${n}-${connectionId}`, args: [{ orgId: org.id, connectionId }]
      }) as Promise<CrmSyncWorkflowResult>
      try {
        await withWorker(worker, async () => {
          expect(await sync(1)).toMatchObject({ pulled: 5, created: 5, pullComplete: true, pushed: 0 })
          const contacts = (await runtime.runPromise(Effect.flatMap(ContactRepo, (r) => r.list(org.id, { limit: 10 })))).items
          expect(contacts.map((c) => c.sourceCrm)).toEqual(Array(5).fill("salesforce"))
          const dialled = contacts.filter((c) => c.status !== "do_not_call").slice(0, 2)
          const calls = await runtime.runPromise(Effect.forEach(dialled, (c, i) =>
            Effect.flatMap(CallRepo, (r) => r.create(org.id, placedCall(null, c.id, c.phone, new Date(Date.UTC(2026, 10, 24, 17, i)), {
              status: "completed", outcome: "human_answered", answeredBy: "human", talkDurationSeconds: 42 + i,
              endedAt: new Date(Date.UTC(2026, 10, 24, 17, i, 50))
            })))))
          expect(await sync(2)).toMatchObject({ pulled: 0, pushed: 2, duplicates: 0, pushError: null })
          expect(await sync(3)).toMatchObject({ pushed: 0, pushBatches: 0 })
          expect(fake.state.calls).toHaveLength(2)
          for (const [i, call] of calls.entries()) {
            const tasks = fake.state.calls.filter((task) => task.key === call.id)
            expect(tasks).toHaveLength(1)
            expect(tasks[0]!.contactId).toBe(dialled[i]!.crmId)
          }
        })
      } finally {
        await deleteCrmSyncSchedule(t.client, connectionId)
      }
    } finally {
      await fake.close()
    }
  }, 60_000)
})
