#pragma once
// Precompiled header for the modules that use Boost.Beast/Asio (http/, api/, cli/).
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
