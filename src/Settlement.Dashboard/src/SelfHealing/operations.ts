import { h } from "../shell/dom";
import type { Page } from "../shell/page";

export const page: Page = {
  id: "operations",
  title: "Operations",
  routes: ["/operations"],
  inMenu: true,
  async render(root) {
    root.append(h("h1", {}, "Operations"));
  },
};
