# `cmake --install` for cascade: the public headers, the library (static or shared, as
# BUILD_SHARED_LIBS chose), the CMake package (cascadeConfig.cmake, its version file and the
# exported target cascade::cascade) and a pkg-config file. docs/getting_started.md shows a
# consumer; tests/packaging/ builds three against it.
include(CMakePackageConfigHelpers)

set(cascade_package_dir ${CMAKE_INSTALL_LIBDIR}/cmake/cascade)

install(TARGETS cascade EXPORT cascadeTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/api/include/cascade
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT cascadeTargets NAMESPACE cascade:: DESTINATION ${cascade_package_dir})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/cascadeConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/cascadeConfig.cmake
                              INSTALL_DESTINATION ${cascade_package_dir})
# Before 1.0 a minor release may break the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cascadeConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cascadeConfig.cmake
              ${PROJECT_BINARY_DIR}/cascadeConfigVersion.cmake
        DESTINATION ${cascade_package_dir})

file(RELATIVE_PATH cascade_pc_to_prefix /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" cascade_pc_to_prefix "${cascade_pc_to_prefix}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/cascade.pc.in ${PROJECT_BINARY_DIR}/cascade.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cascade.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
