// Small RAII layer over the HDF5 C API for the dataset file (private to core: includes hdf5.h).
// Every failed HDF5 call throws; the HDF5 error stack is never printed (quiet() turns it off for
// the calling thread, as the thread-safe library keeps one stack per thread).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "core/base/error.h"
#include "core/base/unique_handle.h"

namespace calmspace::h5 {

inline void quiet() {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

// An owned HDF5 id of any kind (file, group, dataset, dataspace, datatype, attribute, property
// list): released through H5Idec_ref, which closes the object when its last reference goes (what
// H5Fclose, ... do for their kind).
struct IdTraits {
  using Handle = hid_t;
  static hid_t null() noexcept { return H5I_INVALID_HID; }
  static void close(hid_t id) noexcept { H5Idec_ref(id); }
};
class Handle : public UniqueHandle<IdTraits> {
 public:
  using UniqueHandle::UniqueHandle;
  operator hid_t() const { return get(); }  // NOLINT: handles pass straight into the C API
  bool valid() const { return get() >= 0; }
};

// Throws Error("<what>: HDF5 call failed") when `id` is negative; returns a handle owning it.
inline Handle check(hid_t id, const std::string& what) {
  if (id < 0) throw Error(what + ": HDF5 call failed");
  return Handle(id);
}
inline void check(herr_t status, const std::string& what) {
  if (status < 0) throw Error(what + ": HDF5 call failed");
}

inline Handle group_create(hid_t loc, const std::string& name) {
  return check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               "create group " + name);
}
inline Handle group_open(hid_t loc, const std::string& name) {
  return check(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), "open group " + name);
}
inline Handle dataset_open(hid_t loc, const std::string& name) {
  return check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "open dataset " + name);
}

// True if every component of the relative `path` ("clips/label") exists below `loc`.
inline bool exists(hid_t loc, const std::string& path) {
  std::size_t pos = 0;
  while (true) {
    const auto slash = path.find('/', pos);
    const std::string prefix = path.substr(0, slash);
    if (H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) return true;
    pos = slash + 1;
  }
}

template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, float>)
    return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, double>)
    return H5T_NATIVE_DOUBLE;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return H5T_NATIVE_INT32;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return H5T_NATIVE_INT64;
  else
    static_assert(sizeof(T) == 0, "unsupported element type");
}

// A variable-length UTF-8 string type (h5py reads it as str via .asstr(), attributes as str).
inline Handle vlen_string_type() {
  Handle t = check(H5Tcopy(H5T_C_S1), "string type");
  check(H5Tset_size(t, H5T_VARIABLE), "string type");
  check(H5Tset_cset(t, H5T_CSET_UTF8), "string type");
  return t;
}

// 1-D or 2-D fixed-size dataset of T.
template <class T>
void write_array(hid_t loc, const std::string& name, std::span<const T> values,
                 std::vector<hsize_t> dims = {}) {
  if (dims.empty()) dims = {static_cast<hsize_t>(values.size())};
  Handle space = check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                       "dataspace " + name);
  Handle ds = check(
      H5Dcreate2(loc, name.c_str(), native_type<T>(), space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      "create dataset " + name);
  if (!values.empty())
    check(H5Dwrite(ds, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "write " + name);
}

inline void write_strings(hid_t loc, const std::string& name,
                          const std::vector<std::string>& values) {
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  const hsize_t n = values.size();
  Handle type = vlen_string_type();
  Handle space = check(H5Screate_simple(1, &n, nullptr), "dataspace " + name);
  Handle ds =
      check(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            "create dataset " + name);
  if (n) check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "write " + name);
}

inline void write_attr_string(hid_t loc, const std::string& name, const std::string& value) {
  Handle type = vlen_string_type();
  Handle space = check(H5Screate(H5S_SCALAR), "attribute space");
  Handle attr = check(H5Acreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                      "create attribute " + name);
  const char* ptr = value.c_str();
  check(H5Awrite(attr, type, &ptr), "write attribute " + name);
}

inline void write_attr_int(hid_t loc, const std::string& name, std::int32_t value) {
  Handle space = check(H5Screate(H5S_SCALAR), "attribute space");
  Handle attr = check(H5Acreate2(loc, name.c_str(), H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT),
                      "create attribute " + name);
  check(H5Awrite(attr, H5T_NATIVE_INT32, &value), "write attribute " + name);
}

// Number of elements and dims of a dataset.
inline std::vector<hsize_t> dims_of(hid_t ds) {
  Handle space = check(H5Dget_space(ds), "dataspace");
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) throw Error("dataspace rank: HDF5 call failed");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

template <class T>
std::vector<T> read_array(hid_t loc, const std::string& name) {
  Handle ds = dataset_open(loc, name);
  std::size_t n = 1;
  for (auto d : dims_of(ds)) n *= d;
  std::vector<T> out(n);
  if (n)
    check(H5Dread(ds, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), "read " + name);
  return out;
}

// Reads a 1-D string dataset, variable-length or fixed-length.
inline std::vector<std::string> read_strings(hid_t loc, const std::string& name) {
  Handle ds = dataset_open(loc, name);
  const auto dims = dims_of(ds);
  const std::size_t n = dims.empty() ? 1 : dims[0];
  std::vector<std::string> out(n);
  if (!n) return out;
  Handle ftype = check(H5Dget_type(ds), "type of " + name);
  if (H5Tget_class(ftype) != H5T_STRING) throw Error(name + ": not a string dataset");
  if (H5Tis_variable_str(ftype) > 0) {
    Handle mtype = vlen_string_type();
    std::vector<char*> ptrs(n, nullptr);
    check(H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "read " + name);
    for (std::size_t i = 0; i < n; ++i) out[i] = ptrs[i] ? ptrs[i] : "";
    Handle space = check(H5Dget_space(ds), "dataspace");
    H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, ptrs.data());
  } else {
    const std::size_t size = H5Tget_size(ftype);
    Handle mtype = check(H5Tcopy(H5T_C_S1), "string type");
    H5Tset_size(mtype, size);
    std::vector<char> buf(n * size);
    check(H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), "read " + name);
    for (std::size_t i = 0; i < n; ++i) {
      const char* p = buf.data() + i * size;
      std::size_t len = 0;
      while (len < size && p[len]) ++len;
      out[i].assign(p, len);
    }
  }
  return out;
}

inline bool has_attr(hid_t loc, const std::string& name) {
  return H5Aexists(loc, name.c_str()) > 0;
}

inline std::string read_attr_string(hid_t loc, const std::string& name) {
  Handle attr = check(H5Aopen(loc, name.c_str(), H5P_DEFAULT), "attribute " + name);
  Handle ftype = check(H5Aget_type(attr), "type of attribute " + name);
  if (H5Tget_class(ftype) != H5T_STRING) throw Error("attribute " + name + " is not a string");
  if (H5Tis_variable_str(ftype) > 0) {
    Handle mtype = vlen_string_type();
    char* ptr = nullptr;
    check(H5Aread(attr, mtype, &ptr), "read attribute " + name);
    std::string out = ptr ? ptr : "";
    H5free_memory(ptr);
    return out;
  }
  const std::size_t size = H5Tget_size(ftype);
  std::vector<char> buf(size + 1, '\0');
  Handle mtype = check(H5Tcopy(H5T_C_S1), "string type");
  H5Tset_size(mtype, size);
  check(H5Aread(attr, mtype, buf.data()), "read attribute " + name);
  return std::string(buf.data());
}

inline std::int32_t read_attr_int(hid_t loc, const std::string& name) {
  Handle attr = check(H5Aopen(loc, name.c_str(), H5P_DEFAULT), "attribute " + name);
  std::int32_t value = 0;
  check(H5Aread(attr, H5T_NATIVE_INT32, &value), "read attribute " + name);
  return value;
}

}  // namespace calmspace::h5
