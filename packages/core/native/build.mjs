#!/usr/bin/env node
// Builds the optional oneDNN kernels addon (build/onednn_kernels.node) against Debian's libdnnl-dev and
// Node's own headers; the root package's postinstall runs it. Without a compiler or libdnnl it says why and
// exits 0 (the engine then runs XNNPACK only), unless ONEDNN_REQUIRED=1: CI sets it so that a broken build
// cannot go unnoticed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const required = process.env.ONEDNN_REQUIRED === '1';
const source = path.join(here, 'onednn_kernels.cc');
const output = path.join(here, 'build', 'onednn_kernels.node');
// Node's headers sit beside its binary in every official layout (/usr/include/node, <prefix>/include/node).
const nodeHeaders = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
const compiler = process.env.CXX ?? 'c++';

function skip(reason) {
  const message = `oneDNN kernels not built: ${reason}`;
  if (required) {
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
  process.stderr.write(
    `${message}; the wasm backend will run XNNPACK only (apt-get install g++ libdnnl-dev for them)\n`,
  );
  process.exit(0);
}

if (!existsSync(path.join(nodeHeaders, 'node_api.h'))) skip(`no Node headers in ${nodeHeaders}`);
if (!existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') && !process.env.DNNL_INCLUDE) {
  skip('libdnnl-dev is not installed (no oneapi/dnnl/dnnl.hpp)');
}

mkdirSync(path.dirname(output), { recursive: true });
const partial = `${output}.${process.pid}.tmp`;
const flags = [
  '-O2',
  '-std=c++17',
  '-shared',
  '-fPIC',
  '-fvisibility=hidden',
  '-fopenmp',
  '-DNAPI_VERSION=8',
  '-DNODE_GYP_MODULE_NAME=onednn_kernels',
  `-I${nodeHeaders}`,
  ...(process.env.DNNL_INCLUDE ? [`-I${process.env.DNNL_INCLUDE}`] : []),
  source,
  ...(process.env.DNNL_LIB ? [`-L${process.env.DNNL_LIB}`] : []),
  '-ldnnl',
  '-o',
  partial,
];
const result = spawnSync(compiler, flags, { stdio: ['ignore', 'inherit', 'inherit'] });
if (result.error) skip(`${compiler} did not start (${result.error.message})`);
if (result.status !== 0) skip(`${compiler} exited with ${result.status}`);
renameSync(partial, output);
process.stdout.write(`built ${path.relative(process.cwd(), output)}\n`);
