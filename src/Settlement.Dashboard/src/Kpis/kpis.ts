import { h } from "../shell/dom";
import type { Page } from "../shell/page";

export const page: Page = {
  id: "kpis",
  title: "KPIs",
  routes: ["/kpis"],
  inMenu: true,
  async render(root) {
    root.append(h("h1", {}, "KPIs"));
  },
};
