import { h } from "../shell/dom";
import type { Page } from "../shell/page";

export const page: Page = {
  id: "evidence",
  title: "Evidence",
  routes: ["/evidence"],
  inMenu: true,
  async render(root) {
    root.append(h("h1", {}, "Evidence"));
  },
};
