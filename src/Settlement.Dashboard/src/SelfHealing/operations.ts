// Operations: the incidents the self-healer opened (open and escalated before resolved) and the firmware rollouts, each
// with a page of its own for its ladder of remote actions or its stages and gates.
import { renderRollout, rolloutList } from "../Firmware/rollouts";
import { h } from "../shell/dom";
import type { Page } from "../shell/page";
import { incidentList, renderIncident } from "./incidents";

export const page: Page = {
  id: "operations",
  title: "Operations",
  routes: ["/operations", "/operations/incidents/{incidentId}", "/operations/rollouts/{rolloutId}"],
  inMenu: true,
  async render(root, { api, me, params }) {
    if (params.incidentId) return renderIncident(root, api, params.incidentId);
    if (params.rolloutId) return renderRollout(root, api, me, params.rolloutId);

    const open = incidentList(api, "Open", "Open incidents");
    const escalated = incidentList(api, "Escalated", "Escalated to a maintenance ticket");
    const resolved = incidentList(api, "Resolved", "Resolved incidents");
    const rollouts = rolloutList(api, me);
    root.append(
      h("h1", {}, "Operations"),
      h("section", { "aria-labelledby": "incidents-heading", "data-testid": "incidents" },
        h("h2", { id: "incidents-heading" }, "Incidents"),
        h("p", {}, "What the self-healer opened from the chargers' reports, and the remote actions it took. Open one for its ladder and history."),
        open.element, escalated.element, resolved.element),
      rollouts.element);
    await Promise.all([open.loaded, escalated.loaded, resolved.loaded, rollouts.loaded]);
  },
};
