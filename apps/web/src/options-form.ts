import type { JsonSchema } from './api-description.js';
import { h } from './dom.js';
import {
  checkChoices,
  defaultText,
  describeField,
  differsFromDefault,
  parseJson,
  parseNumber,
  parseNumbers,
  rangeText,
  type OptionField,
  type Parsed,
} from './option-fields.js';

export interface OptionsForm {
  /** The options to send (only those that differ from their default), or null after marking the bad fields. */
  collect(): Record<string, unknown> | null;
  /** Shows the server's per-field refusals (`options.size`, …) next to the fields; true if any matched. */
  showErrors(errors: readonly { path: string; message: string }[]): boolean;
  control(name: string): HTMLInputElement | HTMLSelectElement | undefined;
}

interface RenderedField {
  field: OptionField;
  read(): Parsed;
  focus(): void;
  setError(message: string): void;
}

/**
 * The options form: one control per property of the schema, the `common` ones in `front`, the rest in
 * `rest` (a <details> the caller provides). Each shows its description and default as help.
 */
export function renderOptionsForm(
  front: HTMLElement,
  rest: HTMLElement,
  properties: Record<string, JsonSchema>,
  common: readonly string[],
): OptionsForm {
  const rendered = new Map<string, RenderedField>();
  const controls = new Map<string, HTMLInputElement | HTMLSelectElement>();
  const names = Object.keys(properties);
  const ordered = [
    ...common.filter((name) => names.includes(name)),
    ...names.filter((name) => !common.includes(name)),
  ];
  for (const name of ordered) {
    const field = describeField(name, properties[name] ?? {});
    const view = renderField(field, controls);
    rendered.set(name, view.rendered);
    (common.includes(name) ? front : rest).append(view.element);
  }

  return {
    collect() {
      const options: Record<string, unknown> = {};
      let firstBad: RenderedField | undefined;
      for (const view of rendered.values()) {
        const parsed = view.read();
        if (!parsed.ok) {
          firstBad ??= view;
          continue;
        }
        if (differsFromDefault(view.field, parsed.value)) options[view.field.name] = parsed.value;
      }
      if (firstBad) {
        revealAndFocus(firstBad);
        return null;
      }
      return options;
    },
    showErrors(errors) {
      let first: RenderedField | undefined;
      for (const error of errors) {
        const name = /^options\.([^.]+)/.exec(error.path)?.[1];
        const view = name ? rendered.get(name) : undefined;
        if (!view) continue;
        view.setError(error.message);
        first ??= view;
      }
      if (first) revealAndFocus(first);
      return first !== undefined;
    },
    control: (name) => controls.get(name),
  };
}

function revealAndFocus(view: RenderedField): void {
  const details = document.getElementById(`field-${view.field.name}`)?.closest('details');
  if (details) details.open = true;
  view.focus();
}

function helpText(field: OptionField): string {
  const parts = [field.help];
  const range = field.kind === 'number' ? rangeText(field) : '';
  if (range) parts.push(`Range: ${range}.`);
  const fallback = defaultText(field);
  if (fallback) parts.push(`Default: ${fallback}.`);
  return parts.filter(Boolean).join(' ');
}

function renderField(
  field: OptionField,
  controls: Map<string, HTMLInputElement | HTMLSelectElement>,
): { element: HTMLElement; rendered: RenderedField } {
  const id = `option-${field.name}`;
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = `${helpId} ${errorId}`;
  const help = h('p', { class: 'help', id: helpId }, helpText(field));
  const error = h('p', { class: 'field-error', id: errorId });
  const wrapper = h('div', { class: `field field-${field.kind}`, id: `field-${field.name}` });

  let control: HTMLInputElement | HTMLSelectElement;
  let read: () => Parsed;
  let focus = () => control.focus();

  switch (field.kind) {
    case 'number': {
      const input = h('input', {
        id,
        name: field.name,
        type: 'number',
        inputmode: field.integer ? 'numeric' : 'decimal',
        step: field.integer ? 1 : 'any',
        min: field.minimum ?? field.exclusiveMinimum,
        max: field.maximum ?? field.exclusiveMaximum,
        value: field.default,
        'aria-describedby': describedBy,
      });
      control = input;
      read = () => parseNumber(field, input.value);
      wrapper.append(h('label', { for: id }, field.label), input);
      break;
    }
    case 'choice': {
      const select = h(
        'select',
        { id, name: field.name, 'aria-describedby': describedBy },
        ...field.choices.map((choice) =>
          h('option', { value: choice, selected: choice === field.default }, choice),
        ),
      );
      control = select;
      read = () => ({ ok: true, value: select.value });
      wrapper.append(h('label', { for: id }, field.label), select);
      break;
    }
    case 'boolean': {
      const input = h('input', {
        id,
        name: field.name,
        type: 'checkbox',
        checked: field.default,
        'aria-describedby': describedBy,
      });
      control = input;
      read = () => ({ ok: true, value: input.checked });
      wrapper.append(h('label', { class: 'check' }, input, ` ${field.label}`));
      break;
    }
    case 'choices': {
      const boxes = field.choices.map((choice) =>
        h('input', {
          type: 'checkbox',
          name: field.name,
          value: choice,
          checked: field.default?.includes(choice),
        }),
      );
      const [firstBox] = boxes;
      if (!firstBox) throw new Error(`Option ${field.name} offers no choices`);
      control = firstBox;
      read = () =>
        checkChoices(
          field,
          boxes.filter((box) => box.checked).map((box) => box.value),
        );
      focus = () => firstBox.focus();
      wrapper.append(
        h(
          'fieldset',
          { 'aria-describedby': describedBy },
          h('legend', {}, field.label),
          h(
            'div',
            { class: 'choices' },
            ...boxes.map((box) => h('label', { class: 'check' }, box, ` ${box.value}`)),
          ),
        ),
      );
      break;
    }
    case 'numbers':
    case 'json': {
      const input = h('input', {
        id,
        name: field.name,
        type: 'text',
        inputmode: field.kind === 'numbers' ? 'decimal' : undefined,
        spellcheck: 'false',
        placeholder: field.kind === 'numbers' ? 'e.g. 1, 0.5, 2' : JSON.stringify(field.default ?? null),
        'aria-describedby': describedBy,
      });
      control = input;
      read = () => (field.kind === 'numbers' ? parseNumbers(field, input.value) : parseJson(input.value));
      wrapper.append(h('label', { for: id }, field.label), input);
      break;
    }
  }
  wrapper.append(help, error);
  controls.set(field.name, control);

  const setError = (message: string) => {
    error.textContent = message;
    wrapper.classList.toggle('invalid', message !== '');
    for (const element of wrapper.querySelectorAll('input, select')) {
      if (message) element.setAttribute('aria-invalid', 'true');
      else element.removeAttribute('aria-invalid');
    }
  };
  const check = (): Parsed => {
    const parsed = read();
    setError(parsed.ok ? '' : parsed.error);
    return parsed;
  };
  wrapper.addEventListener('change', check);
  return { element: wrapper, rendered: { field, read: check, focus, setError } };
}
