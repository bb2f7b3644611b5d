#!/usr/bin/env bash
# Renders docs/gallery.md's pictures at 512 px with the engine's defaults, each written as soon as it is done
# and taken as it is when it already exists (so a stopped run picks up where it was): the twelve reference pairs
# and their contact sheet, the masked example, then Tübingen × Starry Night with the sliced-Wasserstein loss.
# Needs ../shared (weights and images).
#   nice -n 10 packages/core/bench/gallery.sh 2>&1 | tee gallery.log
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=docs/images/gallery
images=../shared/images
weights=../shared/weights/vgg19/tfjs-notop-hybrid
mkdir -p "$out"
stamp() { echo "[gallery $(date -u +%H:%M:%S)] $*"; }

stamp "the reference pairs and their contact sheet"
npm run -s bench:quality -- --size 512 --out-dir "$out" --pairs all --sheet docs/images/quality-sheet.jpg \
  > docs/images/quality-sheet.json
if [ ! -e "$out/tubingen_masked_512.png" ]; then
  stamp "masked: starry_night on the sky, the_scream on the rest"
  npm run -s stylize -- --weights "$weights" --content "$images/content/tubingen.jpg" \
    --style "$images/style/starry_night.jpg" --mask "$out/tubingen_sky_mask.png" \
    --style "$images/style/the_scream.jpg" --mask "$out/tubingen_ground_mask.png" \
    --out "$out/tubingen_masked_512.png"
fi
stamp "sliced Wasserstein"
npm run -s bench:quality -- --size 512 --out-dir "$out" --pairs tubingen_starry --suffix _sw \
  --options '{"styleLoss":"sliced-wasserstein"}' > /dev/null
stamp done
