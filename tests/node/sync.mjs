// An unmodified automerge-repo client, as any npm user would write it,
// syncing one document through Hiroba's relay.
//
// Usage: node sync.mjs WS_URL DOC_URL
//
// It finds DOC_URL through the relay, prints its "from-rust" key as a line
// of JSON ("found"), adds the key "from-node", and prints "changed". It then stays
// connected (so the change reaches the relay) until its stdin closes, which
// the Rust test does once the relay has stored the change; a 60 s safety
// timer ends it otherwise.

import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const [wsUrl, docUrl] = process.argv.slice(2)
if (!wsUrl || !docUrl) {
  console.error("usage: node sync.mjs WS_URL DOC_URL")
  process.exit(2)
}

const safety = setTimeout(() => {
  console.error("timed out")
  process.exit(3)
}, 60_000)

const repo = new Repo({
  network: [new WebSocketClientAdapter(wsUrl, 1000)],
  peerId: "node-client",
  sharePolicy: async () => true,
})

try {
  const handle = await repo.find(docUrl)
  const doc = handle.doc()
  // A string set by Rust's automerge arrives as an ImmutableString.
  const fromRust = doc["from-rust"] === undefined ? null : String(doc["from-rust"])
  console.log(JSON.stringify({ event: "found", fromRust }))
  handle.change(d => {
    d["from-node"] = "hello from automerge-repo"
  })
  console.log(JSON.stringify({ event: "changed" }))
} catch (e) {
  console.log(JSON.stringify({ event: "error", message: String(e) }))
  clearTimeout(safety)
  process.exit(1)
}

process.stdin.resume()
process.stdin.on("end", () => {
  clearTimeout(safety)
  process.exit(0)
})
