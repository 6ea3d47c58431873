/**
 * The part of the DOM the dashboard uses, typed here instead of through TypeScript's `dom` lib.
 * The repository is type-checked as one Node program, and `/// <reference lib="dom" />` is global:
 * it would change the types of `fetch` bodies and timers in every Node file. So the browser code
 * reaches the DOM through these few interfaces (a subset of the standard ones, same names and
 * meanings); the browser test runs the real thing in Chromium.
 */

export interface DomEvent {
  readonly type: string;
  readonly key?: string;
  preventDefault(): void;
}

export type Listener = (event: DomEvent) => void;

export interface DomElement {
  id: string;
  className: string;
  textContent: string | null;
  hidden: boolean;
  title: string;
  readonly clientWidth: number;
  readonly style: { setProperty(name: string, value: string): void };
  append(...nodes: (DomElement | string)[]): void;
  replaceChildren(...nodes: (DomElement | string)[]): void;
  remove(): void;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  removeAttribute(name: string): void;
  focus(): void;
  addEventListener(type: string, listener: Listener): void;
}

export interface InputElement extends DomElement {
  value: string;
  checked: boolean;
  type: string;
  name: string;
  placeholder: string;
}

export interface SelectElement extends DomElement {
  value: string;
  disabled: boolean;
}

export interface OptionElement extends DomElement {
  value: string;
  selected: boolean;
  disabled: boolean;
}

export interface ButtonElement extends DomElement {
  type: string;
}

interface Tags {
  div: DomElement;
  section: DomElement;
  p: DomElement;
  h3: DomElement;
  span: DomElement;
  label: DomElement;
  legend: DomElement;
  input: InputElement;
  select: SelectElement;
  option: OptionElement;
  button: ButtonElement;
}

interface DomDocument {
  readonly hidden: boolean;
  getElementById(id: string): DomElement | null;
  querySelector(selectors: string): DomElement | null;
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
  createElement<K extends keyof Tags>(tag: K): Tags[K];
  addEventListener(type: string, listener: Listener): void;
}

interface DomWindow {
  readonly document: DomDocument;
  readonly location: { readonly hash: string };
  readonly history: { replaceState(data: null, unused: string, url: string): void };
  readonly sessionStorage?: {
    getItem(key: string): string | null;
    setItem(key: string, value: string): void;
    removeItem(key: string): void;
  };
  prompt?(message: string): string | null;
  addEventListener(type: string, listener: Listener): void;
}

/** The browser's window (only touched when called: the module is also imported by Node tests). */
export function browser(): DomWindow {
  return globalThis as unknown as DomWindow;
}

/** @throws Error when the page lacks the element (the page and the script were built apart). */
export function byId<T extends DomElement = DomElement>(id: string): T {
  const element = browser().document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** Every element matching `selectors`, in document order. */
export function queryAll<T extends DomElement = DomElement>(selectors: string): T[] {
  return Array.from(browser().document.querySelectorAll(selectors)) as T[];
}

/**
 * Creates an element with attributes and children.
 *
 * @example el('option', { value: '1s' }, '1s')
 */
export function el<K extends keyof Tags>(
  tag: K,
  attributes: Readonly<Record<string, string>> = {},
  ...children: (DomElement | string)[]
): Tags[K] {
  const element = browser().document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}
