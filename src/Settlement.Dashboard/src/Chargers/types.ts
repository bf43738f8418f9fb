// The shapes of the API answers the Network pages read (src/Settlement.Host/Chargers, Ocpp, SelfHealing, and the
// live feed of the dashboard host). Only the fields the pages use are named.

export interface Site {
  siteId: string;
  name: string;
  countryCode: string;
  latitude: number;
  longitude: number;
  timeZone: string;
}

export interface ConnectorSpecification { connectorId: number; standard: string; maxPowerKw: number }
export interface EvseSpecification { evseId: number; connectors: ConnectorSpecification[] }

export interface Charger {
  chargerId: string;
  registered: boolean;
  siteId: string | null;
  vendor: string | null;
  model: string | null;
  protocol: string | null;
  evseCount: number;
  evses: EvseSpecification[];
  firmwareVersion: string | null;
  online: boolean;
  openFaults: number;
  registeredAt: string | null;
  lastBootAt: string | null;
}

export interface LiveConnector { evseId: number; connectorId: number; status: string; since: string | null }

export interface LiveCharger {
  chargerId: string;
  siteId: string | null;
  vendor: string | null;
  model: string | null;
  firmwareVersion: string | null;
  protocol: string | null;
  online: boolean;
  openFaults: number;
  connectors: LiveConnector[];
  changedAt: string | null;
}

export interface Paged<T> { items: T[]; next: string | null }

export interface StoredEvent {
  id: string;
  version: number;
  sequence: number;
  type: string;
  data: Record<string, unknown>;
  actor: string;
  occurredAt: string;
  recordedAt: string;
}

export interface Incident {
  incidentId: string;
  kind: string;
  chargerId: string;
  siteId: string;
  evseId: number;
  errorCode: string | null;
  openedAt: string;
  status: string;
}

export interface SessionEntry { sessionId: string; chargerId: string; evseId: number; connectorId: number; startedAt: string; status: string }

export interface CommandResult { commandId: string; action: string; outcome: string; status: string | null; response: unknown; error: string | null }

/** What a charger's status is called on the page and in the tests: Faulted only when it is online with open faults. */
export function liveStatus(charger: { online: boolean; openFaults: number }): "Online" | "Offline" | "Faulted" {
  if (!charger.online) return "Offline";
  return charger.openFaults > 0 ? "Faulted" : "Online";
}
