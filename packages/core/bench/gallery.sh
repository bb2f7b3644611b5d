#!/usr/bin/env bash
# Renders docs/gallery.md's pictures at 512 px with the engine's defaults, each written as soon as it is done
# (a long run keeps what it finished): the Tübingen × Starry Night pair, the masked example, the same pair with
# the sliced-Wasserstein loss, then the other reference pairs. Needs ../shared (weights and images).
#   nice -n 10 packages/core/bench/gallery.sh 2>&1 | tee gallery.log
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=docs/images/gallery
images=../shared/images
weights=../shared/weights/vgg19/tfjs-notop-hybrid
mkdir -p "$out"
stamp() { echo "[gallery $(date -u +%H:%M:%S)] $*"; }

quality() { npm run -s bench:quality -- --size 512 --out-dir "$out" "$@"; }

stamp "tubingen_starry (defaults)"
quality --pairs tubingen_starry > "$out/tubingen_starry.json"
stamp "masked: starry_night on the sky, the_scream on the rest"
npm run -s stylize -- --weights "$weights" --content "$images/content/tubingen.jpg" \
  --style "$images/style/starry_night.jpg" --mask "$out/tubingen_sky_mask.png" \
  --style "$images/style/the_scream.jpg" --mask "$out/tubingen_ground_mask.png" \
  --out "$out/tubingen_masked_512.png"
stamp "tubingen_starry (sliced Wasserstein)"
quality --pairs tubingen_starry --options '{"styleLoss":"sliced-wasserstein"}' --suffix _sw > "$out/tubingen_starry_sw.json"
for pair in tubingen_scream golden_gate_kahlo pitt_picasso_content_5_style_10 tubingen_composition_vii \
  golden_gate_starry tubingen_seated_nude golden_gate_scream tubingen_shipwreck golden_gate_escher \
  golden_gate_matisse golden_gate_seated; do
  stamp "$pair"
  quality --pairs "$pair" > "$out/$pair.json"
done
stamp done
