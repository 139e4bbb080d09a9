// Models registered by name, one registry per pluggable axis. An axis is an interface
// class with `static constexpr const char* kAxis` (its name) and `kDefaultModel` (the
// model of a section without `model:`, named nowhere else); its registry joins the
// list of axes (core/axes.h) when first used, which is all it takes to declare one.
// A YAML section picks a model with `model: <name>`; the rest of the section is
// validated against the model's ParamSchema. Built-in models and plugins register
// the same way, through AIMCSIM_REGISTER or register_model (plugin.h).
#pragma once

#include <any>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aimcsim/core/axes.h"
#include "aimcsim/core/config.h"
#include "aimcsim/core/params.h"

namespace aimcsim {

template <typename Interface> class ModelConfig;

template <typename Interface> class Registry final : public Axis {
public:
    using Factory = std::function<std::unique_ptr<Interface>(const Params&)>;

    struct Entry {
        std::string name;
        std::string description;
        ParamSchema schema;
        Factory factory;
        std::string origin;  // "built-in" or the plugin's path
    };

    static Registry& instance() {
        static Registry registry;
        return registry;
    }

    // Registers a model; a name that is already taken is an InputError (plugins
    // must not silently replace built-ins).
    void add(Entry entry) {
        auto it = entries_.find(entry.name);
        if (it != entries_.end()) {
            throw InputError(std::string(Interface::kAxis) + " model '" + entry.name + "' from " + entry.origin +
                             " clashes with the one already registered from " + it->second.origin);
        }
        const std::string name = entry.name;
        entries_.emplace(name, std::move(entry));
    }

    [[nodiscard]] bool has(const std::string& name) const { return entries_.count(name) != 0; }

    [[nodiscard]] const Entry& get(const std::string& name, const ConfigNode& where) const {
        auto it = entries_.find(name);
        if (it == entries_.end()) {
            std::string msg = "unknown " + std::string(Interface::kAxis) + " model '" + name + "'";
            const std::string hint = did_you_mean(name, names());
            if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
            msg += "; registered: " + join(names());
            throw where.error(msg);
        }
        return it->second;
    }

    // Validates `section` and creates its model (one-off uses: tests, tools). A run
    // validates once into a ModelConfig and creates from that.
    [[nodiscard]] std::unique_ptr<Interface> create(const ConfigNode& section) const {
        return ModelConfig<Interface>::parse(section).create();
    }

    // Sections of this axis validated so far (ModelConfig::parse); tests prove with it
    // that a run checks each section once.
    [[nodiscard]] std::size_t validations() const { return validations_.load(); }
    void count_validation() const { ++validations_; }

    [[nodiscard]] std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& kv : entries_) out.push_back(kv.first);
        return out;
    }
    [[nodiscard]] const std::map<std::string, Entry>& entries() const { return entries_; }

    // Where the next add() comes from; the plugin loader sets it while loading.
    static std::string& current_origin() { return registration_origin(); }

    [[nodiscard]] const std::string& name() const override { return axis_; }
    [[nodiscard]] std::vector<ModelInfo> models() const override {
        std::vector<ModelInfo> out;
        for (const auto& kv : entries_)
            out.push_back({kv.second.name, kv.second.description, kv.second.origin, &kv.second.schema});
        return out;
    }

    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

private:
    Registry() : axis_(Interface::kAxis) { join_axis_list(*this); }

    static std::string join(const std::vector<std::string>& v) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
        return s;
    }
    std::string axis_;
    std::map<std::string, Entry> entries_;
    mutable std::atomic<std::size_t> validations_{0};
};

// A config section resolved to one model of an axis and validated against that
// model's schema, once: a run checks each section when its config is loaded, then
// creates the model from it as often as it needs (a tile per mapped block) without
// checking again. `model:` absent means the axis' default (Interface::kDefaultModel,
// the one place that names it) unless the section's owner chose another default.
template <typename Interface> class ModelConfig {
public:
    // The default model with every parameter at its default (configs built in code).
    ModelConfig() = default;

    [[nodiscard]] static ModelConfig parse(const ConfigNode& section,
                                           const std::string& default_model = Interface::kDefaultModel) {
        const Registry<Interface>& registry = Registry<Interface>::instance();
        registry.count_validation();
        ModelConfig c;
        c.model_ = default_model;
        const ConfigNode* model_node = section.is_map() ? section.find("model") : nullptr;
        if (model_node != nullptr) c.model_ = model_node->as_string();
        c.entry_ = &registry.get(c.model_, model_node != nullptr ? *model_node : section);
        c.params_ = c.entry_->schema.parse(section);
        return c;
    }

    // For ParamSchema::section: a sub-section that configures a model of this axis
    // (a tile's `device:`), validated with the section that holds it.
    [[nodiscard]] static SectionResolver resolver(const std::string& default_model = Interface::kDefaultModel) {
        return [default_model](const ConfigNode& section) { return std::any(parse(section, default_model)); };
    }

    [[nodiscard]] std::unique_ptr<Interface> create() const {
        if (entry_ == nullptr) {
            const auto& entry = Registry<Interface>::instance().get(model_, ConfigNode{});
            return entry.factory(entry.schema.defaults());
        }
        return entry_->factory(params_);
    }

    [[nodiscard]] const std::string& model() const { return model_; }
    // The validated parameters (empty for a default-constructed config).
    [[nodiscard]] const Params& params() const { return params_; }

private:
    std::string model_ = Interface::kDefaultModel;
    const typename Registry<Interface>::Entry* entry_ = nullptr;
    Params params_;
};

namespace detail {
template <typename Interface> struct Registrar {
    Registrar(const char* name, const char* description, ParamSchema (*schema)(),
              typename Registry<Interface>::Factory factory) {
        Registry<Interface>::instance().add(
            {name, description, schema(), std::move(factory), Registry<Interface>::current_origin()});
    }
};
}  // namespace detail

}  // namespace aimcsim

#define AIMCSIM_CONCAT_INNER(a, b) a##b
#define AIMCSIM_CONCAT(a, b) AIMCSIM_CONCAT_INNER(a, b)

// AIMCSIM_REGISTER(SomeInterface, MyModel, "my_model", "one-line description");
// `Impl` must have `static ParamSchema schema()` and a constructor taking `const Params&`.
#define AIMCSIM_REGISTER(Interface, Impl, name, description)                                                           \
    static const ::aimcsim::detail::Registrar<Interface> AIMCSIM_CONCAT(aimcsim_registrar_, __LINE__)(                 \
        name, description, &Impl::schema,                                                                              \
        [](const ::aimcsim::Params& p) -> std::unique_ptr<Interface> { return std::make_unique<Impl>(p); })
