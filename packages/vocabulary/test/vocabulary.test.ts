import { describe, expect, it } from 'vitest';
import {
  errorMessage,
  isInputError,
  outputFormatOfPath,
  parseBoolean,
  parseOptions,
  planPasses,
  StyleTransferError,
  totalIterations,
} from '../src/index.js';

describe('the pass plan', () => {
  it('divides the iterations of each larger pass by 3 and counts them all', () => {
    const options = { size: 1024, iterations: 100, multiscale: true, multiscaleMinSize: 256 };
    expect(planPasses(options)).toEqual([
      { longSide: 256, iterations: 100, firstIteration: 0 },
      { longSide: 512, iterations: 33, firstIteration: 100 },
      { longSide: 1024, iterations: 11, firstIteration: 133 },
    ]);
    expect(totalIterations(options)).toBe(144);
    expect(totalIterations({ ...options, multiscale: false })).toBe(100);
  });
});

describe('output formats', () => {
  it('reads every extension of a format, in any case, and nothing else', () => {
    expect(outputFormatOfPath('out/a.JPG')).toBe('jpeg');
    expect(outputFormatOfPath('a.jpeg')).toBe('jpeg');
    expect(outputFormatOfPath('a.webp')).toBe('webp');
    expect(outputFormatOfPath('a.png')).toBe('png');
    expect(outputFormatOfPath('a.tiff')).toBeUndefined();
    expect(outputFormatOfPath('png')).toBeUndefined();
    expect(outputFormatOfPath('dir.png/out')).toBeUndefined();
  });
});

describe('boolean spellings', () => {
  it('accepts the documented spellings only', () => {
    expect(['true', '1', 'yes'].map(parseBoolean)).toEqual([true, true, true]);
    expect(['false', '0', 'no', ''].map(parseBoolean)).toEqual([false, false, false, false]);
    expect(parseBoolean('TRUE')).toBeUndefined();
    expect(parseBoolean('on')).toBeUndefined();
  });
});

describe('options and errors', () => {
  it('refuses bad options with one INVALID_OPTIONS error that lists every problem', () => {
    let caught: unknown;
    try {
      parseOptions({ size: 8, styleLayers: ['conv1_1'], styleLayerWeights: [1, 2] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StyleTransferError);
    expect(isInputError(caught)).toBe(true);
    expect(errorMessage(caught)).toMatch(
      /^invalid options: size: .*; styleLayerWeights: needs one weight per style layer \(1\), got 2$/,
    );
  });

  it('tells input errors from the rest', () => {
    expect(isInputError(new StyleTransferError('NON_FINITE_LOSS', 'x'))).toBe(false);
    expect(isInputError(new Error('x'))).toBe(false);
    expect(errorMessage('plain')).toBe('plain');
  });
});
