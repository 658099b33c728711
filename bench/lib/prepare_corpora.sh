# Sourced by the bench scripts: prepare_corpora CALMSPACE RECIPE CORPORA OUT prepares RAVDESS,
# TESS (2 folds, one speaker each), CASIA (4 folds) and EMOVO (6 folds) from CORPORA into
# OUT/<name>.h5 with RECIPE's options, each only when its file is not there yet.
prepare_corpora() {
  local calmspace="$1" recipe="$2" corpora="$3" out="$4"
  one() {  # name kind root [overrides...]
    local name="$1" kind="$2" src="$3"
    shift 3
    [ -f "$out/$name.h5" ] || "$calmspace" prepare "$kind" --root "$src" --out "$out/$name.h5" \
      --config "$recipe" data.store_features=false "$@"
  }
  one ravdess ravdess "$corpora/ravdess"
  one tess tess "$corpora/tess" data.num_folds=2
  one casia csv "$corpora/casia/manifest.csv" data.num_folds=4
  one emovo csv "$corpora/emovo/manifest.csv"
}
