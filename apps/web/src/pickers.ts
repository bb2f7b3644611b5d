import { byId, h } from './dom.js';
import { showAlert } from './messages.js';
import { parseNumber, rangeText, type NumberField } from './option-fields.js';

interface StyleEntry {
  file: File;
  weight: HTMLInputElement;
  weightError: HTMLElement;
  mask: HTMLInputElement | undefined;
  row: HTMLLIElement;
}

let nextId = 0;

/**
 * The image inputs: one content image, style images (each with a blend weight and, where the server
 * takes masks, a mask), and the optional start image. File pickers and drag-and-drop, with previews.
 */
export class ImagePickers {
  private content: File | undefined;
  private readonly styles: StyleEntry[] = [];
  private readonly contentInput = byId<HTMLInputElement>('content');
  private readonly styleInput = byId<HTMLInputElement>('style');
  private readonly initInput = byId<HTMLInputElement>('init-image');
  private readonly styleList = byId<HTMLUListElement>('style-list');

  constructor(
    private readonly weightField: NumberField,
    private readonly masks: boolean,
  ) {
    this.contentInput.addEventListener('change', () => this.setContent(this.contentInput.files?.[0]));
    this.styleInput.addEventListener('change', () => {
      this.addStyles([...(this.styleInput.files ?? [])]);
      // Picking the same file again must add it again.
      this.styleInput.value = '';
    });
    dropZone(byId('content-drop'), ([file]) => {
      if (!file) return;
      // The picker shows the dropped file's name too.
      const transfer = new DataTransfer();
      transfer.items.add(file);
      this.contentInput.files = transfer.files;
      this.setContent(file);
    });
    dropZone(byId('style-drop'), (files) => this.addStyles(files));
  }

  /** Adds the images to the multipart body in the order the API reads them; false after saying what is missing. */
  fill(body: FormData): boolean {
    if (!this.content) {
      return missing(
        this.contentInput,
        'No content image',
        'Choose the photo to paint with "Content image".',
      );
    }
    if (this.styles.length === 0) {
      return missing(this.styleInput, 'No style image', 'Choose at least one painting with "Style image".');
    }
    const weights: number[] = [];
    for (const style of this.styles) {
      const parsed = parseNumber(this.weightField, style.weight.value === '' ? '1' : style.weight.value);
      style.weightError.textContent = parsed.ok ? '' : parsed.error;
      if (!parsed.ok) {
        style.weight.setAttribute('aria-invalid', 'true');
        style.weight.focus();
        return false;
      }
      style.weight.removeAttribute('aria-invalid');
      weights.push(parsed.value as number);
    }
    body.append('content', this.content, this.content.name);
    for (const style of this.styles) {
      body.append('style', style.file, style.file.name);
      // A mask belongs to the style part right before it.
      const mask = style.mask?.files?.[0];
      if (mask) body.append('mask', mask, mask.name);
    }
    if (weights.some((weight) => weight !== 1)) body.append('styleWeights', JSON.stringify(weights));
    const init = this.initInput.files?.[0];
    if (init && !byId('init-field').hidden) body.append('init', init, init.name);
    return true;
  }

  private setContent(file: File | undefined): void {
    this.content = file;
    const previews = byId('content-preview');
    previews.replaceChildren(...(file ? [preview(file, `Preview of the content image ${file.name}`)] : []));
  }

  private addStyles(files: File[]): void {
    for (const file of files) {
      const id = `style-${nextId++}`;
      const weight = h('input', {
        id: `${id}-weight`,
        type: 'number',
        inputmode: 'decimal',
        step: 'any',
        min: this.weightField.minimum ?? this.weightField.exclusiveMinimum,
        max: this.weightField.maximum,
        value: 1,
        'aria-describedby': `${id}-weight-help ${id}-weight-error`,
      });
      const weightError = h('span', { class: 'field-error', id: `${id}-weight-error` });
      const mask = this.masks
        ? h('input', {
            id: `${id}-mask`,
            type: 'file',
            accept: 'image/*',
            'aria-describedby': `${id}-mask-help`,
          })
        : undefined;
      const entry: StyleEntry = { file, weight, weightError, mask, row: h('li', { class: 'style-row' }) };
      const remove = h(
        'button',
        { type: 'button', class: 'secondary small' },
        'Remove',
        h('span', { class: 'sr-only' }, ` ${file.name}`),
      );
      remove.addEventListener('click', () => {
        this.styles.splice(this.styles.indexOf(entry), 1);
        entry.row.remove();
        this.styleInput.focus();
      });
      entry.row.append(
        preview(file, `Preview of the style image ${file.name}`),
        h(
          'div',
          { class: 'style-fields' },
          h('span', { class: 'file-name' }, file.name),
          h('label', { for: weight.id }, 'Weight', h('span', { class: 'sr-only' }, ` of ${file.name}`)),
          weight,
          h('span', { class: 'help', id: `${id}-weight-help` }, rangeText(this.weightField)),
          weightError,
          ...(mask
            ? [
                h('label', { for: mask.id }, 'Mask', h('span', { class: 'sr-only' }, ` for ${file.name}`)),
                mask,
                h(
                  'span',
                  { class: 'help', id: `${id}-mask-help` },
                  'Optional: white where this style paints.',
                ),
              ]
            : []),
          remove,
        ),
      );
      this.styles.push(entry);
      this.styleList.append(entry.row);
    }
  }
}

function missing(input: HTMLInputElement, title: string, hint: string): false {
  showAlert({ title, detail: `${title} chosen.`, hint });
  input.focus();
  return false;
}

/** A thumbnail of a picked file; a file the browser cannot show gets a note (the server has the last word). */
function preview(file: File, alt: string): HTMLElement {
  const url = URL.createObjectURL(file);
  const image = h('img', { src: url, alt, class: 'preview' });
  const figure = h('figure', { class: 'preview' }, image);
  image.addEventListener('error', () => {
    URL.revokeObjectURL(url);
    figure.replaceChildren(h('p', { class: 'help' }, `No preview: this browser cannot show ${file.name}.`));
  });
  return figure;
}

function dropZone(zone: HTMLElement, onFiles: (files: File[]) => void): void {
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length > 0) onFiles(files);
  });
}
