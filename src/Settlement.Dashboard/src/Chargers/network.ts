import { h } from "../shell/dom";
import type { Page } from "../shell/page";

export const page: Page = {
  id: "network",
  title: "Network",
  routes: ["/network", "/network/chargers/{chargerId}"],
  inMenu: true,
  async render(root) {
    root.append(h("h1", {}, "Network"));
  },
};
