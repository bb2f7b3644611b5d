// Convolution, matrix-product and pooling-gradient kernels for the tfjs wasm backend, run by oneDNN
// (Debian's libdnnl, the library PyTorch's CPU convolutions use) on tensors that stay in the wasm heap: JS
// passes Float32Array views of the heap, oneDNN reads and writes them in place (NHWC activations, HWIO
// filters).
//
// Filters are reordered once into the blocked layout the chosen convolution wants and kept in a
// PackedFilter object that JS caches per tfjs dataId (tfjs tensor data never changes). Primitives are cached
// by shape here, so a VGG iteration creates nothing after the first one.

#include <node_api.h>
#include <omp.h>

#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

// oneDNN 3 replaced the operation descriptors used below; Debian bookworm ships 2.6.
#if DNNL_VERSION_MAJOR != 2
#error "the oneDNN kernels need oneDNN 2.x (Debian bookworm's libdnnl-dev 2.6)"
#endif

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

// ---------------------------------------------------------------------------------------------------------
// N-API helpers: every failure becomes a JS exception with a one-line message.

struct JsError {
  std::string message;
};

void check(napi_env env, napi_status status, const char* what) {
  if (status != napi_ok) throw JsError{std::string("onednn: ") + what};
}

// The data of a typed array of `type` with `expected` elements.
void* typedData(napi_env env, napi_value value, size_t expected, napi_typedarray_type wanted,
                const char* typeName, const char* name) {
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  bool isTypedArray = false;
  check(env, napi_is_typedarray(env, value, &isTypedArray), "napi_is_typedarray");
  if (!isTypedArray) throw JsError{std::string("onednn: ") + name + " must be a " + typeName};
  check(env, napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset),
        "napi_get_typedarray_info");
  if (type != wanted) throw JsError{std::string("onednn: ") + name + " must be a " + typeName};
  if (length != expected) {
    throw JsError{std::string("onednn: ") + name + " has " + std::to_string(length) + " elements, expected " +
                  std::to_string(expected)};
  }
  return data;
}

float* floatData(napi_env env, napi_value value, size_t expected, const char* name) {
  return static_cast<float*>(typedData(env, value, expected, napi_float32_array, "Float32Array", name));
}

uint8_t* byteData(napi_env env, napi_value value, size_t expected, const char* name) {
  return static_cast<uint8_t*>(typedData(env, value, expected, napi_uint8_array, "Uint8Array", name));
}

int64_t intArg(napi_env env, napi_value value, const char* name) {
  int64_t result;
  if (napi_get_value_int64(env, value, &result) != napi_ok) {
    throw JsError{std::string("onednn: ") + name + " must be an integer"};
  }
  return result;
}

bool boolArg(napi_env env, napi_value value, const char* name) {
  bool result;
  if (napi_get_value_bool(env, value, &result) != napi_ok) {
    throw JsError{std::string("onednn: ") + name + " must be a boolean"};
  }
  return result;
}

bool isNullish(napi_env env, napi_value value) {
  napi_valuetype type;
  check(env, napi_typeof(env, value, &type), "napi_typeof");
  return type == napi_null || type == napi_undefined;
}

template <typename Body>
napi_value guarded(napi_env env, Body body) {
  try {
    return body();
  } catch (const JsError& error) {
    napi_throw_error(env, "ONEDNN_ERROR", error.message.c_str());
  } catch (const dnnl::error& error) {
    napi_throw_error(env, "ONEDNN_ERROR", (std::string("onednn: ") + error.what()).c_str());
  } catch (const std::exception& error) {
    napi_throw_error(env, "ONEDNN_ERROR", (std::string("onednn: ") + error.what()).c_str());
  }
  return nullptr;
}

std::vector<napi_value> args(napi_env env, napi_callback_info info, size_t count) {
  std::vector<napi_value> values(count);
  size_t given = count;
  check(env, napi_get_cb_info(env, info, &given, values.data(), nullptr, nullptr), "napi_get_cb_info");
  if (given < count) {
    throw JsError{"onednn: expected " + std::to_string(count) + " arguments, got " + std::to_string(given)};
  }
  return values;
}

// ---------------------------------------------------------------------------------------------------------
// What JS passes for convolutions and poolings: tfjs's Conv2DInfo as 17 integers, in this order.

struct Window {
  int64_t batch, inHeight, inWidth, inChannels;
  int64_t filterHeight, filterWidth, outChannels;
  int64_t outHeight, outWidth;
  int64_t strideH, strideW, dilationH, dilationW;
  int64_t padTop, padLeft, padBottom, padRight;

  std::string key() const {
    std::string k;
    for (int64_t v : {batch, inHeight, inWidth, inChannels, filterHeight, filterWidth, outChannels, outHeight,
                      outWidth, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight}) {
      k += std::to_string(v) + ',';
    }
    return k;
  }

  memory::dims strides() const { return {strideH, strideW}; }
  memory::dims padL() const { return {padTop, padLeft}; }
  memory::dims padR() const { return {padBottom, padRight}; }
};

Window readWindow(napi_env env, napi_value array) {
  int64_t v[17];
  for (uint32_t i = 0; i < 17; ++i) {
    napi_value element;
    check(env, napi_get_element(env, array, i, &element), "napi_get_element");
    v[i] = intArg(env, element, "window entry");
  }
  return {v[0], v[1], v[2],  v[3],  v[4],  v[5],  v[6],  v[7], v[8],
          v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16]};
}

// Primitive creation dispatches over implementations and JIT-compiles; each distinct shape does it once.
template <typename Plan, typename Make>
Plan& cachedPlan(const std::string& key, Make make) {
  static std::unordered_map<std::string, std::unique_ptr<Plan>> plans;
  auto found = plans.find(key);
  if (found == plans.end()) found = plans.emplace(key, std::make_unique<Plan>(make())).first;
  return *found->second;
}

// ---------------------------------------------------------------------------------------------------------
// Convolution: NHWC input/output, HWIO filter, optional bias, optional fused ReLU.

memory::desc filterDesc(const Window& w, tag layout) {
  return memory::desc({w.outChannels, w.inChannels, w.filterHeight, w.filterWidth}, dt::f32, layout);
}

struct ConvPlan {
  dnnl::convolution_forward::primitive_desc desc;
  dnnl::convolution_forward primitive;
};

ConvPlan& convPlan(const Window& w, bool hasBias, bool relu) {
  const std::string key = w.key() + (hasBias ? 'b' : '-') + (relu ? 'r' : '-');
  return cachedPlan<ConvPlan>(key, [&] {
    const memory::desc src({w.batch, w.inChannels, w.inHeight, w.inWidth}, dt::f32, tag::nhwc);
    const memory::desc dst({w.batch, w.outChannels, w.outHeight, w.outWidth}, dt::f32, tag::nhwc);
    const memory::desc bias({w.outChannels}, dt::f32, tag::a);
    // oneDNN counts dilation from 0 (no dilation), tfjs from 1.
    const memory::dims dilations{w.dilationH - 1, w.dilationW - 1};
    const auto kind = dnnl::prop_kind::forward_inference;
    const auto algorithm = dnnl::algorithm::convolution_direct;
    const memory::desc anyFilter = filterDesc(w, tag::any);
    auto op = hasBias ? dnnl::convolution_forward::desc(kind, algorithm, src, anyFilter, bias, dst, w.strides(),
                                                        dilations, w.padL(), w.padR())
                      : dnnl::convolution_forward::desc(kind, algorithm, src, anyFilter, dst, w.strides(),
                                                        dilations, w.padL(), w.padR());
    dnnl::primitive_attr attr;
    if (relu) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
      attr.set_post_ops(ops);
    }
    dnnl::convolution_forward::primitive_desc desc(op, attr, cpuEngine());
    return ConvPlan{desc, dnnl::convolution_forward(desc)};
  });
}

// A filter in the layouts convolutions asked for, keyed by the layout (one per distinct plan, in practice one).
struct PackedFilter {
  std::vector<std::pair<memory::desc, memory>> layouts;
};

const memory& packedFilter(PackedFilter& packed, const ConvPlan& plan, const Window& w, float* filter) {
  const memory::desc wanted = plan.desc.weights_desc();
  for (const auto& [desc, mem] : packed.layouts) {
    if (desc == wanted) return mem;
  }
  memory source(filterDesc(w, tag::hwio), cpuEngine(), filter);
  memory target(wanted, cpuEngine());
  dnnl::reorder(source, target).execute(cpuStream(), source, target);
  cpuStream().wait();
  packed.layouts.emplace_back(wanted, target);
  return packed.layouts.back().second;
}

void finalizePackedFilter(napi_env env, void* data, void*) {
  auto* packed = static_cast<PackedFilter*>(data);
  int64_t bytes = 0;
  for (const auto& [desc, mem] : packed->layouts) bytes += static_cast<int64_t>(desc.get_size());
  int64_t unused;
  napi_adjust_external_memory(env, -bytes, &unused);
  delete packed;
}

// newPackedFilter(): an opaque handle that conv2d fills with reordered copies of one filter.
napi_value newPackedFilter(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    napi_value handle;
    auto* packed = new PackedFilter();
    check(env, napi_create_external(env, packed, finalizePackedFilter, nullptr, &handle),
          "napi_create_external");
    return handle;
  });
}

// conv2d(x, filter, packedFilter, bias|null, out, window: number[17], relu: boolean)
napi_value conv2d(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto a = args(env, info, 7);
    const Window w = readWindow(env, a[5]);
    const bool hasBias = !isNullish(env, a[3]);
    float* x = floatData(env, a[0], w.batch * w.inHeight * w.inWidth * w.inChannels, "x");
    float* filter =
        floatData(env, a[1], w.filterHeight * w.filterWidth * w.inChannels * w.outChannels, "filter");
    float* bias = hasBias ? floatData(env, a[3], w.outChannels, "bias") : nullptr;
    float* out = floatData(env, a[4], w.batch * w.outHeight * w.outWidth * w.outChannels, "out");
    PackedFilter* packed;
    check(env, napi_get_value_external(env, a[2], reinterpret_cast<void**>(&packed)), "packedFilter");

    ConvPlan& plan = convPlan(w, hasBias, boolArg(env, a[6], "relu"));
    const size_t before = packed->layouts.size();
    const memory& weights = packedFilter(*packed, plan, w, filter);
    if (packed->layouts.size() != before) {
      int64_t unused;
      napi_adjust_external_memory(env, static_cast<int64_t>(plan.desc.weights_desc().get_size()), &unused);
    }
    memory src(plan.desc.src_desc(), cpuEngine(), x);
    memory dst(plan.desc.dst_desc(), cpuEngine(), out);
    std::unordered_map<int, memory> run{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}};
    if (bias != nullptr) run.emplace(DNNL_ARG_BIAS, memory(plan.desc.bias_desc(), cpuEngine(), bias));
    plan.primitive.execute(cpuStream(), run);
    cpuStream().wait();
    return nullptr;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Batched matrix product: out[b] = op(a[b]) · op(b[b]), row-major, op = optional transpose.

struct MatMulPlan {
  dnnl::matmul::primitive_desc desc;
  dnnl::matmul primitive;
};

MatMulPlan& matMulPlan(int64_t batch, int64_t m, int64_t n, int64_t k, bool transposeA, bool transposeB) {
  const std::string key = std::to_string(batch) + ',' + std::to_string(m) + ',' + std::to_string(n) + ',' +
                          std::to_string(k) + (transposeA ? 't' : '-') + (transposeB ? 't' : '-');
  return cachedPlan<MatMulPlan>(key, [&] {
    // A transposed operand is the same buffer read with swapped strides.
    const memory::desc lhs({batch, m, k}, dt::f32,
                           transposeA ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
    const memory::desc rhs({batch, k, n}, dt::f32,
                           transposeB ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
    const memory::desc dst({batch, m, n}, dt::f32, tag::abc);
    dnnl::matmul::primitive_desc desc(dnnl::matmul::desc(lhs, rhs, dst), cpuEngine());
    return MatMulPlan{desc, dnnl::matmul(desc)};
  });
}

// matMul(a, b, out, batch, m, n, k, transposeA, transposeB)
napi_value matMul(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto a = args(env, info, 9);
    const int64_t batch = intArg(env, a[3], "batch");
    const int64_t m = intArg(env, a[4], "m");
    const int64_t n = intArg(env, a[5], "n");
    const int64_t k = intArg(env, a[6], "k");
    const bool transposeA = boolArg(env, a[7], "transposeA");
    const bool transposeB = boolArg(env, a[8], "transposeB");
    float* lhs = floatData(env, a[0], batch * m * k, "a");
    float* rhs = floatData(env, a[1], batch * k * n, "b");
    float* out = floatData(env, a[2], batch * m * n, "out");
    MatMulPlan& plan = matMulPlan(batch, m, n, k, transposeA, transposeB);
    memory src(plan.desc.src_desc(), cpuEngine(), lhs);
    memory weights(plan.desc.weights_desc(), cpuEngine(), rhs);
    memory dst(plan.desc.dst_desc(), cpuEngine(), out);
    plan.primitive.execute(cpuStream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}});
    cpuStream().wait();
    return nullptr;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Pooling gradients (NHWC). Average pooling excludes padding from the count, as TensorFlow does. Max pooling
// backward needs the forward pass's argmax workspace, so it reruns the (cheap) forward pass first.

struct PoolPlan {
  dnnl::pooling_forward::primitive_desc forwardDesc;
  dnnl::pooling_forward forward;
  dnnl::pooling_backward::primitive_desc backwardDesc;
  dnnl::pooling_backward backward;
};

PoolPlan& poolPlan(const Window& w, bool max) {
  return cachedPlan<PoolPlan>(w.key() + (max ? "max" : "avg"), [&] {
    const memory::desc src({w.batch, w.inChannels, w.inHeight, w.inWidth}, dt::f32, tag::nhwc);
    const memory::desc dst({w.batch, w.inChannels, w.outHeight, w.outWidth}, dt::f32, tag::nhwc);
    const memory::dims kernel{w.filterHeight, w.filterWidth};
    const auto algorithm = max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
    dnnl::pooling_forward::primitive_desc forwardDesc(
        dnnl::pooling_forward::desc(dnnl::prop_kind::forward_training, algorithm, src, dst, w.strides(), kernel,
                                    w.padL(), w.padR()),
        cpuEngine());
    dnnl::pooling_backward::primitive_desc backwardDesc(
        dnnl::pooling_backward::desc(algorithm, src, dst, w.strides(), kernel, w.padL(), w.padR()), cpuEngine(),
        forwardDesc);
    return PoolPlan{forwardDesc, dnnl::pooling_forward(forwardDesc), backwardDesc,
                    dnnl::pooling_backward(backwardDesc)};
  });
}

// poolGrad(dy, input|null, dx, window: number[17], max: boolean); input is needed for max pooling only.
napi_value poolGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto a = args(env, info, 5);
    const Window w = readWindow(env, a[3]);
    const bool max = boolArg(env, a[4], "max");
    const int64_t inSize = w.batch * w.inHeight * w.inWidth * w.inChannels;
    const int64_t outSize = w.batch * w.outHeight * w.outWidth * w.inChannels;
    float* dy = floatData(env, a[0], outSize, "dy");
    float* dx = floatData(env, a[2], inSize, "dx");
    PoolPlan& plan = poolPlan(w, max);
    memory diffDst(plan.backwardDesc.diff_dst_desc(), cpuEngine(), dy);
    memory diffSrc(plan.backwardDesc.diff_src_desc(), cpuEngine(), dx);
    std::unordered_map<int, memory> run{{DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_DIFF_SRC, diffSrc}};
    if (max) {
      float* input = floatData(env, a[1], inSize, "input");
      memory src(plan.forwardDesc.src_desc(), cpuEngine(), input);
      memory dst(plan.forwardDesc.dst_desc(), cpuEngine());
      memory workspace(plan.forwardDesc.workspace_desc(), cpuEngine());
      plan.forward.execute(cpuStream(),
                           {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}, {DNNL_ARG_WORKSPACE, workspace}});
      run.emplace(DNNL_ARG_WORKSPACE, workspace);
    }
  plan.backward.execute(cpuStream(), run);
    cpuStream().wait();
    return nullptr;
  });
}

// ---------------------------------------------------------------------------------------------------------

// reluMask(y, mask, n): mask[i] = y[i] > 0, the ReLU's gradient mask in a byte a value (the network's
// hand-written backward pass keeps it instead of the activation). Threaded: the wasm backend's elementwise
// kernels are not.
napi_value reluMask(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto a = args(env, info, 3);
    const int64_t n = intArg(env, a[2], "n");
    const float* y = floatData(env, a[0], n, "y");
    uint8_t* mask = byteData(env, a[1], n, "mask");
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) mask[i] = y[i] > 0.0f;
    return nullptr;
  });
}

// maskGradient(dy, mask, dz, n): dz[i] = mask[i] ? dy[i] : 0, the gradient through a ReLU.
napi_value maskGradient(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto a = args(env, info, 4);
    const int64_t n = intArg(env, a[3], "n");
    const float* dy = floatData(env, a[0], n, "dy");
    const uint8_t* mask = byteData(env, a[1], n, "mask");
    float* dz = floatData(env, a[2], n, "dz");
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) dz[i] = mask[i] ? dy[i] : 0.0f;
    return nullptr;
  });
}

// setThreads(n): OpenMP threads for every later kernel (oneDNN's Debian build runs on OpenMP).
napi_value setThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto a = args(env, info, 1);
    const int64_t threads = intArg(env, a[0], "threads");
    if (threads < 1) throw JsError{"onednn: threads must be at least 1"};
    omp_set_num_threads(static_cast<int>(threads));
    return nullptr;
  });
}

// info(): { version, isa } — which oneDNN and which instruction set its kernels use on this CPU.
napi_value describe(napi_env env, napi_callback_info) {
  return guarded(env, [&]() -> napi_value {
    const dnnl_version_t* version = dnnl_version();
    const std::string text = std::to_string(version->major) + '.' + std::to_string(version->minor) + '.' +
                             std::to_string(version->patch);
    const char* isa = "unknown";
    switch (dnnl::get_effective_cpu_isa()) {
      case dnnl::cpu_isa::sse41: isa = "sse41"; break;
      case dnnl::cpu_isa::avx: isa = "avx"; break;
      case dnnl::cpu_isa::avx2: isa = "avx2"; break;
      case dnnl::cpu_isa::avx2_vnni: isa = "avx2_vnni"; break;
      case dnnl::cpu_isa::avx512_core: isa = "avx512_core"; break;
      case dnnl::cpu_isa::avx512_core_vnni: isa = "avx512_core_vnni"; break;
      case dnnl::cpu_isa::avx512_core_bf16: isa = "avx512_core_bf16"; break;
      case dnnl::cpu_isa::avx512_core_amx: isa = "avx512_core_amx"; break;
      default: break;
    }
    napi_value result, versionValue, isaValue, threadsValue;
    check(env, napi_create_object(env, &result), "napi_create_object");
    check(env, napi_create_string_utf8(env, text.c_str(), text.size(), &versionValue), "string");
    check(env, napi_create_string_utf8(env, isa, NAPI_AUTO_LENGTH, &isaValue), "string");
    check(env, napi_create_int32(env, omp_get_max_threads(), &threadsValue), "int");
    check(env, napi_set_named_property(env, result, "version", versionValue), "property");
    check(env, napi_set_named_property(env, result, "isa", isaValue), "property");
    check(env, napi_set_named_property(env, result, "threads", threadsValue), "property");
    return result;
  });
}

napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor properties[] = {
      {"conv2d", nullptr, conv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matMul", nullptr, matMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"poolGrad", nullptr, poolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reluMask", nullptr, reluMask, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maskGradient", nullptr, maskGradient, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"newPackedFilter", nullptr, newPackedFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, setThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, describe, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
