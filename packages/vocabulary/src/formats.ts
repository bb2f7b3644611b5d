/**
 * The encodings of results and snapshots: the extension we write, every extension we read as that
 * format, and the media type.
 */
export const OUTPUT_FORMATS = {
  png: { extension: 'png', extensions: ['png'], contentType: 'image/png' },
  jpeg: { extension: 'jpg', extensions: ['jpg', 'jpeg'], contentType: 'image/jpeg' },
  webp: { extension: 'webp', extensions: ['webp'], contentType: 'image/webp' },
} as const;

export type OutputFormat = keyof typeof OUTPUT_FORMATS;

export const OUTPUT_FORMAT_NAMES = Object.keys(OUTPUT_FORMATS) as [OutputFormat, ...OutputFormat[]];

/** `photo.JPG` → `jpeg`; undefined for a name whose extension is not an output format. */
export function outputFormatOfPath(path: string): OutputFormat | undefined {
  const extension = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  return OUTPUT_FORMAT_NAMES.find((format) =>
    (OUTPUT_FORMATS[format].extensions as readonly string[]).includes(extension ?? ''),
  );
}
