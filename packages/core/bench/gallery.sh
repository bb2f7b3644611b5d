#!/usr/bin/env bash
# Renders docs/gallery.md's pictures at 512 px with the engine's defaults, each written as soon as it is done
# and skipped when it already exists (so a stopped run picks up where it was): the Tübingen × Starry Night
# pair, the masked example, the other reference pairs, then the first pair with the sliced-Wasserstein loss.
# Needs ../shared (weights and images).
#   nice -n 10 packages/core/bench/gallery.sh 2>&1 | tee gallery.log
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=docs/images/gallery
images=../shared/images
weights=../shared/weights/vgg19/tfjs-notop-hybrid
mkdir -p "$out"
stamp() { echo "[gallery $(date -u +%H:%M:%S)] $*"; }

# quality PAIR [SUFFIX [OPTIONS]]: one pair at 512 px, its picture and its JSON (losses, style share, times).
quality() {
  local pair=$1 suffix=${2:-} options=${3:-'{}'}
  if [ -e "$out/${pair}_512${suffix}.png" ]; then return; fi
  stamp "$pair$suffix"
  npm run -s bench:quality -- --size 512 --out-dir "$out" --pairs "$pair" --suffix "$suffix" --options "$options" \
    > "$out/${pair}_512${suffix}.json.tmp"
  mv "$out/${pair}_512${suffix}.json.tmp" "$out/${pair}_512${suffix}.json"
}

quality tubingen_starry
if [ ! -e "$out/tubingen_masked_512.png" ]; then
  stamp "masked: starry_night on the sky, the_scream on the rest"
  npm run -s stylize -- --weights "$weights" --content "$images/content/tubingen.jpg" \
    --style "$images/style/starry_night.jpg" --mask "$out/tubingen_sky_mask.png" \
    --style "$images/style/the_scream.jpg" --mask "$out/tubingen_ground_mask.png" \
    --out "$out/tubingen_masked_512.png"
fi
for pair in tubingen_scream golden_gate_kahlo pitt_picasso_content_5_style_10 tubingen_composition_vii \
  golden_gate_starry tubingen_seated_nude golden_gate_scream tubingen_shipwreck golden_gate_escher \
  golden_gate_matisse golden_gate_seated; do
  quality "$pair"
done
quality tubingen_starry _sw '{"styleLoss":"sliced-wasserstein"}'
stamp done
