# One CMake target per stage of the data path (core/<stage>/, serve/, datasets/): an OBJECT
# library holding the folder's sources, with the stages it depends on and the outside libraries
# it uses. The stages make one shared library, calmspace_core (core/CMakeLists.txt).
#   calmspace_stage(NAME DIR folder DEPENDS stage... [PUBLIC_LIBS lib...] [PRIVATE_LIBS lib...])
# DEPENDS is the layering law: scripts/check_layering.py reads these calls and fails when a file
# of a stage includes a header of a stage not listed (the test `layering` runs it).
function(calmspace_stage name)
  cmake_parse_arguments(S "" "DIR" "DEPENDS;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${S_DIR}/*.cpp)
  add_library(calmspace_${name} OBJECT ${sources})
  target_include_directories(calmspace_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_definitions(calmspace_${name} PUBLIC CALMSPACE_VERSION="${PROJECT_VERSION}")
  foreach(dep ${S_DEPENDS})
    target_link_libraries(calmspace_${name} PUBLIC calmspace_${dep})
  endforeach()
  target_link_libraries(calmspace_${name} PUBLIC ${S_PUBLIC_LIBS} PRIVATE ${S_PRIVATE_LIBS})
  set_property(GLOBAL APPEND PROPERTY CALMSPACE_STAGES calmspace_${name})
endfunction()

# The same layering law for a target built its own way (the serve library, the CUDA library):
# records which folders' headers `DIR` may include. Nothing is built by this call.
#   calmspace_layer(NAME DIR folder DEPENDS stage...)
function(calmspace_layer name)
endfunction()
