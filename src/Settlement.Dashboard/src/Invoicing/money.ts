import { h } from "../shell/dom";
import type { Page } from "../shell/page";

export const page: Page = {
  id: "money",
  title: "Money",
  routes: ["/money"],
  inMenu: true,
  async render(root) {
    root.append(h("h1", {}, "Money"));
  },
};
