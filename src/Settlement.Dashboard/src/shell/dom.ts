// Building the page from elements, never from HTML strings: API text (names, problems) can never become markup.

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

const svgNamespace = "http://www.w3.org/2000/svg";

export function s(tag: string, attributes: Attributes = {}, ...children: (Child | Child[])[]): SVGElement {
  const element = document.createElementNS(svgNamespace, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(element: Element, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** A figure from the API: its raw value in data-value for the tests, its formatted text for people. */
export function figure(name: string, value: number | string | null | undefined, text: string, attributes: Attributes = {}): HTMLElement {
  return h("span", { "data-figure": name, "data-value": value === null || value === undefined ? "" : String(value), ...attributes }, text);
}

/** A labelled card holding one figure. */
export function card(label: string, content: Node): HTMLElement {
  return h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "figure" }, content));
}

/** A form control with its visible label. */
export function field(label: string, control: HTMLElement): HTMLLabelElement {
  return h("label", {}, label, control);
}

export interface Column<T> {
  header: string;
  cell: (row: T) => Child | Child[];
  numeric?: boolean;
}

/** A data table with headers and a caption, scrolling sideways on a phone instead of breaking the layout. */
export function table<T>(caption: string, columns: Column<T>[], rows: T[], rowAttributes?: (row: T) => Attributes): HTMLElement {
  return h("div", { class: "table-wrap" },
    h("table", {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.numeric ? "num" : null }, c.header)))),
      h("tbody", {}, rows.length === 0
        ? h("tr", {}, h("td", { colspan: columns.length }, "Nothing to show."))
        : rows.map((row) => h("tr", rowAttributes?.(row) ?? {}, columns.map((c) => h("td", { class: c.numeric ? "num" : null }, c.cell(row))))))));
}

/** Shows what went wrong, in words the API gave. */
export function errorBox(problem: unknown): HTMLElement {
  const message = problem instanceof Error ? problem.message : String(problem);
  return h("p", { class: "error", role: "alert" }, message);
}

/** A link that downloads a document in one format through the API (the key cannot ride on a plain link). */
export function downloadLink(format: string, label: string, onDownload: () => Promise<number>): HTMLElement {
  const status = h("span", { class: "visually-hidden", "aria-live": "polite" });
  const link = h("a", { href: "#", "data-download": format, role: "button" }, label);
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    status.textContent = `Downloading ${label}…`;
    try {
      const bytes = await onDownload();
      status.textContent = `${label} downloaded (${bytes} bytes).`;
    } catch (problem) {
      link.after(errorBox(problem));
      status.textContent = "";
    }
  });
  return h("span", {}, link, status);
}
