import { h } from "../shell/dom";
import type { Page } from "../shell/page";

export const page: Page = {
  id: "energy",
  title: "Energy",
  routes: ["/energy", "/energy/{siteId}"],
  inMenu: true,
  async render(root) {
    root.append(h("h1", {}, "Energy"));
  },
};
