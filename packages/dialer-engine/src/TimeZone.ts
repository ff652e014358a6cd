/**
 * Which time zone(s) a contact is called in, and where that answer came from.
 *
 * Calling-hour rules are about the called party's local time. A contact may carry
 * its zone; when it does not, the zone is inferred from the number:
 * libphonenumber-js gives the country, a North American area code gives the state
 * and zone, and a single-zone country gives its zone. When the number leaves the
 * zone ambiguous (an unknown area code, a multi-zone country), every candidate
 * zone is returned and the window must be open in all of them: ambiguity makes us
 * stricter, never looser. The provenance is kept so an auditor can see why a
 * contact was judged callable.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js"

export type ZoneProvenance = "contact" | "areaCode" | "country" | "countryAmbiguous" | "unknown"

export interface ZoneInference {
  /** Candidate IANA zones; a call is allowed only if the window is open in all of them. */
  readonly zones: ReadonlyArray<string>
  readonly provenance: ZoneProvenance
  /** ISO country (from the number), when known. */
  readonly country?: string
  /** US state / Canadian province (from the area code), when known. */
  readonly region?: string
}

const E = "America/New_York"
const C = "America/Chicago"
const M = "America/Denver"
const AZ = "America/Phoenix"
const P = "America/Los_Angeles"
const AK = "America/Anchorage"
const HI = "Pacific/Honolulu"

/** NANP area codes: region and zone. Multi-zone states are split by area code. */
const AREA: Record<string, readonly [string, string]> = {}
const add = (region: string, zone: string, codes: string): void => {
  for (const c of codes.split(" ")) AREA[c] = [region, zone]
}
add("AL", C, "205 251 256 334 659 938")
add("AK", AK, "907")
add("AZ", AZ, "480 520 602 623 928")
add("AR", C, "479 501 870")
add("CA", P, "209 213 279 310 323 341 350 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 747 760 805 818 820 831 840 858 909 916 925 949 951")
add("CO", M, "303 719 720 970 983")
add("CT", E, "203 475 860 959")
add("DE", E, "302")
add("DC", E, "202 771")
add("FL", E, "239 305 321 352 386 407 448 561 645 656 689 727 728 754 772 786 813 863 904 941 954")
add("FL", C, "850")
add("GA", E, "229 404 470 478 678 706 762 770 912 943")
add("HI", HI, "808")
add("ID", M, "208 986")
add("IL", C, "217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 861 872")
add("IN", E, "260 317 463 574 765 930")
add("IN", C, "219 812")
add("IA", C, "319 515 563 641 712")
add("KS", C, "316 620 785 913")
add("KY", E, "502 606 859")
add("KY", C, "270 364")
add("LA", C, "225 318 337 504 985")
add("ME", E, "207")
add("MD", E, "227 240 301 410 443 667")
add("MA", E, "339 351 413 508 617 774 781 857 978")
add("MI", E, "231 248 269 313 517 586 616 679 734 810 947 989")
add("MI", C, "906")
add("MN", C, "218 320 507 612 651 763 952")
add("MS", C, "228 601 662 769")
add("MO", C, "314 417 557 573 636 660 816")
add("MT", M, "406")
add("NE", C, "308 402 531")
add("NV", P, "702 725 775")
add("NH", E, "603")
add("NJ", E, "201 551 609 640 732 848 856 862 908 973")
add("NM", M, "505 575")
add("NY", E, "212 315 332 347 363 516 518 585 607 631 646 680 716 718 838 845 914 917 929 934")
add("NC", E, "252 336 472 704 743 828 910 919 980 984")
add("ND", C, "701")
add("OH", E, "216 220 234 283 326 330 380 419 440 513 567 614 740 937")
add("OK", C, "405 539 572 580 918")
add("OR", P, "458 503 541 971")
add("PA", E, "215 223 267 272 412 445 484 570 582 610 717 724 814 835 878")
add("RI", E, "401")
add("SC", E, "803 821 839 843 854 864")
add("SD", C, "605")
add("TN", C, "615 629 731 901 931")
add("TN", E, "423 865")
add("TX", C, "210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 936 940 945 956 972 979")
add("TX", M, "915")
add("UT", M, "385 435 801")
add("VT", E, "802")
add("VA", E, "276 434 540 571 703 757 804 826 948")
add("WA", P, "206 253 360 425 509 564")
add("WV", E, "304 681")
add("WI", C, "262 274 414 534 608 715 920")
add("WY", M, "307")
add("PR", "America/Puerto_Rico", "787 939")

const US_ZONES = [E, C, M, AZ, P, AK, HI]
const CA_ZONES = ["America/St_Johns", "America/Halifax", "America/Toronto", "America/Winnipeg", "America/Regina", "America/Edmonton", "America/Vancouver"]

/** Countries with one civil time zone (the common calling destinations). */
const SINGLE_ZONE: Record<string, string> = {
  GB: "Europe/London", IE: "Europe/Dublin", FR: "Europe/Paris", DE: "Europe/Berlin", ES: "Europe/Madrid",
  IT: "Europe/Rome", NL: "Europe/Amsterdam", BE: "Europe/Brussels", CH: "Europe/Zurich", AT: "Europe/Vienna",
  SE: "Europe/Stockholm", NO: "Europe/Oslo", DK: "Europe/Copenhagen", FI: "Europe/Helsinki", PL: "Europe/Warsaw",
  PT: "Europe/Lisbon", IN: "Asia/Kolkata", JP: "Asia/Tokyo", ZA: "Africa/Johannesburg", NZ: "Pacific/Auckland",
  IL: "Asia/Jerusalem", SG: "Asia/Singapore", PH: "Asia/Manila"
}

const MULTI_ZONE: Record<string, ReadonlyArray<string>> = {
  US: US_ZONES,
  CA: CA_ZONES,
  AU: ["Australia/Perth", "Australia/Darwin", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney"],
  MX: ["America/Tijuana", "America/Hermosillo", "America/Mazatlan", "America/Mexico_City", "America/Cancun"],
  BR: ["America/Noronha", "America/Sao_Paulo", "America/Manaus", "America/Rio_Branco"]
}

const cache = new Map<string, ZoneInference>()

/** The zones of a number in E.164 form (memoised: inference is pure). */
export const inferFromNumber = (e164: string): ZoneInference => {
  const hit = cache.get(e164)
  if (hit !== undefined) return hit
  const result = infer(e164)
  if (cache.size > 100_000) cache.clear()
  cache.set(e164, result)
  return result
}

const infer = (e164: string): ZoneInference => {
  if (e164.startsWith("+1") && e164.length === 12) {
    const entry = AREA[e164.slice(2, 5)]
    if (entry !== undefined) return { zones: [entry[1]], provenance: "areaCode", country: entry[0] === "PR" ? "PR" : "US", region: entry[0] }
  }
  const parsed = parsePhoneNumberFromString(e164)
  const country = parsed?.country
  if (country === undefined) {
    // +1 numbers with an area code we do not map: treat as North American, all zones.
    if (e164.startsWith("+1")) return { zones: [...US_ZONES, ...CA_ZONES], provenance: "countryAmbiguous" }
    return { zones: [], provenance: "unknown" }
  }
  const single = SINGLE_ZONE[country]
  if (single !== undefined) return { zones: [single], provenance: "country", country }
  const multi = MULTI_ZONE[country]
  if (multi !== undefined) return { zones: multi, provenance: "countryAmbiguous", country }
  return { zones: [], provenance: "unknown", country }
}

/** The zones for a contact: its own zone wins; otherwise inferred from the number. Its own region wins too. */
export const forContact = (timezone: string | undefined, region: string | undefined, e164: string): ZoneInference => {
  if (timezone !== undefined && region !== undefined) return { zones: [timezone], provenance: "contact", region }
  const inferred = inferFromNumber(e164)
  const r = region ?? inferred.region
  const base = timezone !== undefined ? { zones: [timezone], provenance: "contact" as const } : { zones: inferred.zones, provenance: inferred.provenance }
  return {
    ...base,
    ...(inferred.country !== undefined ? { country: inferred.country } : {}),
    ...(r !== undefined ? { region: r } : {})
  }
}
