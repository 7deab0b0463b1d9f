# `cpack -G DEB` (scripts/package.sh) builds rsolv_<version>_<arch>.deb: the binary in /usr/bin, systemd units,
# /etc/rsolv/rsolv.env as a configuration file, and examples for nginx and Prometheus under /usr/share/rsolv.
# Library dependencies are computed by dpkg-shlibdeps from the binary, never listed by hand.
include(GNUInstallDirs)

install(TARGETS rsolv RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(PROGRAMS ${CMAKE_SOURCE_DIR}/deploy/rsolv-admin DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/deploy/rsolv.env DESTINATION /etc/rsolv PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/rsolv.service ${CMAKE_SOURCE_DIR}/deploy/systemd/rsolv-worker@.service
        DESTINATION /lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/nginx/rsolv.conf DESTINATION ${CMAKE_INSTALL_DATADIR}/rsolv/nginx)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/deploy/prometheus/ DESTINATION ${CMAKE_INSTALL_DATADIR}/rsolv/prometheus
        OPTIONAL FILES_MATCHING PATTERN "*.yml")
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/SECURITY.md DESTINATION ${CMAKE_INSTALL_DOCDIR}
        OPTIONAL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rsolv)
set(CPACK_PACKAGE_VENDOR RSOLV)
set(CPACK_PACKAGE_CONTACT "RSOLV <support@rsolv.dev>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "self-service customer provisioning for the RSOLV security-fix GitHub Action")
set(CPACK_PACKAGE_DESCRIPTION
    "Signup, trial credits, API keys, customer dashboard, onboarding email and the operator console of RSOLV,\nin one service on SQLite or PostgreSQL.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
# The maintainer scripts use useradd (passwd) and systemctl when systemd runs; both are part of every Debian system.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql, nginx, prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/deploy/debian/conffiles ${CMAKE_SOURCE_DIR}/deploy/debian/postinst
    ${CMAKE_SOURCE_DIR}/deploy/debian/prerm ${CMAKE_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
