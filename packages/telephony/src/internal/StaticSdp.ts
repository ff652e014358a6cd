/**
 * Node has no WebRTC, so sip.js gets a session description handler that
 * offers a fixed audio SDP and accepts whatever the far end answers. It is
 * enough for signalling (the dialer's job here); media belongs to a media
 * server or the PBX the calls are bridged through.
 */
import type { Session, SessionDescriptionHandler, SessionDescriptionHandlerFactory } from "sip.js"

export const offer = (host: string, port: number): string =>
  [
    "v=0",
    `o=autodialer 0 0 IN IP4 ${host}`,
    "s=autodialer",
    `c=IN IP4 ${host}`,
    "t=0 0",
    `m=audio ${port} RTP/AVP 0 8 101`,
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:101 telephone-event/8000",
    "a=sendrecv",
    ""
  ].join("\r\n")

class StaticSdpHandler implements SessionDescriptionHandler {
  readonly #sdp: string
  #remote: string | undefined
  constructor(sdp: string) {
    this.#sdp = sdp
  }
  close(): void {
    this.#remote = undefined
  }
  getDescription(): Promise<{ body: string; contentType: string }> {
    return Promise.resolve({ body: this.#sdp, contentType: "application/sdp" })
  }
  hasDescription(contentType: string): boolean {
    return contentType === "application/sdp"
  }
  setDescription(sdp: string): Promise<void> {
    this.#remote = sdp
    return Promise.resolve()
  }
  sendDtmf(): boolean {
    return false
  }
  /** The far end's last SDP, for diagnostics. */
  get remote(): string | undefined {
    return this.#remote
  }
}

export const factory = (host = "127.0.0.1", port = 4000): SessionDescriptionHandlerFactory =>
  (_session: Session) => new StaticSdpHandler(offer(host, port))
