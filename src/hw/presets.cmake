# Embeds targets/*.yaml into hwnas_hw as C++ raw strings, so the presets work from any directory.
# Included by src/CMakeLists.txt after the hw part is declared.
file(GLOB hwnas_preset_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/targets/*.yaml)
list(SORT hwnas_preset_files)
set(hwnas_presets_cpp "// Generated from targets/*.yaml by src/hw/presets.cmake; do not edit.\n")
string(APPEND hwnas_presets_cpp "#include \"hwnas/hw/presets.h\"\n\nnamespace hwnas::hw::detail {\n\n")
string(APPEND hwnas_presets_cpp "const std::vector<EmbeddedPreset>& embedded_presets() {\n")
string(APPEND hwnas_presets_cpp "  static const std::vector<EmbeddedPreset> presets = {\n")
foreach(preset_file ${hwnas_preset_files})
  get_filename_component(preset_name ${preset_file} NAME_WLE)
  file(READ ${preset_file} preset_text)
  string(APPEND hwnas_presets_cpp "      {\"${preset_name}\", R\"hwnas_preset(${preset_text})hwnas_preset\"},\n")
endforeach()
string(APPEND hwnas_presets_cpp "  };\n  return presets;\n}\n\n}  // namespace hwnas::hw::detail\n")
# Write through a temporary so an unchanged text keeps its timestamp (no needless rebuilds).
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/hw_presets_generated.cpp.in "${hwnas_presets_cpp}")
configure_file(${CMAKE_CURRENT_BINARY_DIR}/hw_presets_generated.cpp.in
               ${CMAKE_CURRENT_BINARY_DIR}/hw_presets_generated.cpp COPYONLY)
target_sources(hwnas_hw PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/hw_presets_generated.cpp)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${hwnas_preset_files})
